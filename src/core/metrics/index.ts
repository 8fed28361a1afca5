export {
  ErrorAccumulator,
  combineErrorSums,
  emptyErrorSums,
  errorMetrics,
  errorSums,
  metricsFromSums,
  sqnrDb,
} from './error';
export type { ErrorSums } from './error';
export { MAX_GRID_VALUES, distinctValues, downsample, sharedHistogram } from './histogram';
export { channelRanges } from './channels';
export { MAX_LEVEL_LINES, channelErrors, perTensorGrid } from './channel-errors';
