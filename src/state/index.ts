export { appStore, useAppStore, initialState, getState, setState } from './store';
export type { AppState, BatchState, BudgetSetting, WeightSortKey } from './slices';
export * from './types';
export * from './selectors';
export { initSettings, SETTINGS_KEY } from './settings';
export {
  bitsLabel,
  downloadFileName,
  granularityLabel,
  mixedLabel,
  mixedBudgetText,
  mixedLossText,
  selectVariantLabels,
  variantIdOf,
  variantLabel,
  variantLabelParts,
  variantShortLabel,
} from './variant-key';
export * from './eval-slice';
export * from './sensitivity-slice';
export * from './eval-selectors';
export type { SampleFile } from '../bridge';
