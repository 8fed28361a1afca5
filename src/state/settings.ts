import { PRECISIONS, normalizeConfig, type Precision } from '../core/quant/config';
import type { AppState } from './slices';
import { appStore } from './store';

/** localStorage key; index.html reads `.theme` from it before first paint. */
export const SETTINGS_KEY = 'qstudio.settings.v1';

/** What persists: settings only. Models, results and per-layer overrides (they belong to a model) do not. */
export type Settings = Pick<AppState, 'theme' | 'precisions' | 'histogramScale' | 'errorMetric'> & {
  config: Omit<AppState['config'], 'layers'>;
};

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

export const pickSettings = (s: AppState): Settings => {
  const { layers: _layers, ...config } = s.config;
  return {
    theme: s.theme,
    precisions: s.precisions,
    histogramScale: s.histogramScale,
    errorMetric: s.errorMetric,
    config,
  };
};

const browserStorage = (): StorageLike | null => {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null; // e.g. storage disabled
  }
};

/** Read saved settings, dropping anything invalid (a bad or old entry never breaks the app). */
export function readSettings(storage: StorageLike | null = browserStorage()): Partial<AppState> {
  let raw: unknown;
  try {
    raw = JSON.parse(storage?.getItem(SETTINGS_KEY) ?? 'null');
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null) return {};
  const r = raw as Partial<Settings>;
  const out: Partial<AppState> = {};
  if (r.theme === 'light' || r.theme === 'dark' || r.theme === null) out.theme = r.theme;
  if (Array.isArray(r.precisions))
    out.precisions = PRECISIONS.filter((p) => (r.precisions as Precision[]).includes(p));
  if (r.histogramScale === 'linear' || r.histogramScale === 'log') out.histogramScale = r.histogramScale;
  if (r.errorMetric === 'sqnrDb' || r.errorMetric === 'mse' || r.errorMetric === 'maxAbsError') {
    out.errorMetric = r.errorMetric;
  }
  if (r.config) {
    try {
      out.config = normalizeConfig({ ...r.config, layers: {} });
    } catch {
      // keep the default config
    }
  }
  return out;
}

/** Load saved settings into the store and save them whenever they change. Returns the unsubscribe function. */
export function initSettings(storage: StorageLike | null = browserStorage()): () => void {
  appStore.setState(readSettings(storage));
  let last = JSON.stringify(pickSettings(appStore.getState()));
  return appStore.subscribe((s) => {
    const next = JSON.stringify(pickSettings(s));
    if (next === last) return;
    last = next;
    try {
      storage?.setItem(SETTINGS_KEY, next);
    } catch {
      // quota or privacy mode: settings just don't persist
    }
  });
}
