import { createStore } from 'zustand/vanilla';
import { useStore } from 'zustand';
import {
  createModelSlice,
  createQuantSlice,
  createUiSlice,
  createViewsSlice,
  initialModel,
  initialQuant,
  initialUi,
  initialViews,
  type AppState,
} from './slices';
import { createEvalSlice, initialEval } from './eval-slice';
import { createSensitivitySlice, initialSensitivity } from './sensitivity-slice';

export type { AppState } from './slices';

export const appStore = createStore<AppState>()((...a) => ({
  ...createModelSlice(...a),
  ...createQuantSlice(...a),
  ...createUiSlice(...a),
  ...createViewsSlice(...a),
  ...createEvalSlice(...a),
  ...createSensitivitySlice(...a),
}));

/** Fresh state, for tests: `appStore.setState(initialState(), true)`. */
export const initialState = (): AppState => ({
  ...initialModel,
  ...initialQuant,
  ...initialUi,
  ...initialViews,
  ...initialEval,
  ...initialSensitivity,
});

export const useAppStore = <T>(selector: (s: AppState) => T): T => useStore(appStore, selector);

export const getState = appStore.getState;
export const setState = appStore.setState;
