import { ALL_BITS, normalizeConfig, type Bits } from '../core/quant/config';
import { validatePreprocessOptions, type PreprocessOptions } from '../core/samples/preprocess';
import { initialQuant, type AppState, type BudgetSetting } from './slices';
import { appStore } from './store';

/** localStorage key; index.html reads `.theme` from it before first paint. */
export const SETTINGS_KEY = 'qstudio.settings.v1';

/**
 * What persists: settings only (the budget, the calibration sample count and split too). Models, results and
 * per-layer overrides (they belong to a model) do not.
 */
export type Settings = Pick<
  AppState,
  | 'theme'
  | 'chosenBits'
  | 'histogramScale'
  | 'errorMetric'
  | 'budget'
  | 'calibrationCount'
  | 'calibrationSplit'
> & {
  config: Omit<AppState['config'], 'layers'>;
};

type StorageLike = Pick<Storage, 'getItem' | 'setItem'>;

export const pickSettings = (s: AppState): Settings => {
  const { layers: _layers, ...config } = s.config;
  return {
    theme: s.theme,
    chosenBits: s.chosenBits,
    histogramScale: s.histogramScale,
    errorMetric: s.errorMetric,
    budget: s.budget,
    calibrationCount: s.calibrationCount,
    calibrationSplit: s.calibrationSplit,
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

const finite = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

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
  // Settings saved before the rename call the list `precisions`.
  const chosen = r.chosenBits ?? (raw as { precisions?: unknown }).precisions;
  if (Array.isArray(chosen)) out.chosenBits = ALL_BITS.filter((p) => (chosen as Bits[]).includes(p));
  if (r.histogramScale === 'linear' || r.histogramScale === 'log') out.histogramScale = r.histogramScale;
  if (r.errorMetric === 'sqnrDb' || r.errorMetric === 'mse' || r.errorMetric === 'maxAbsError') {
    out.errorMetric = r.errorMetric;
  }
  const budget = r.budget as Partial<BudgetSetting> | undefined;
  // A number being typed may be empty (NaN, saved as null): the default stands in for it.
  if (budget && (budget.mode === 'bits' || budget.mode === 'size')) {
    out.budget = {
      mode: budget.mode,
      bits: finite(budget.bits) ?? initialQuant.budget.bits,
      megabytes: finite(budget.megabytes) ?? initialQuant.budget.megabytes,
    };
  }
  const n = r.calibrationCount;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 1) out.calibrationCount = n;
  if (r.calibrationSplit === 'holdout' || r.calibrationSplit === 'same')
    out.calibrationSplit = r.calibrationSplit;
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

/** localStorage key of the per-model preprocessing presets (model name + input shape -> options). */
export const PRESETS_KEY = 'qstudio.preprocess.v1';
/** Oldest presets are dropped beyond this many models. */
export const MAX_PRESETS = 50;

const CHANNELS = ['gray', 'rgb', 'bgr'];
const isNumberList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** A saved preset, if it is a complete and valid PreprocessOptions (else null: the caller infers one). */
function toPreprocess(raw: unknown): PreprocessOptions | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  const o = {
    width: r.width,
    height: r.height,
    channels: r.channels,
    layout: r.layout,
    range: r.range,
    mean: r.mean,
    std: r.std,
    flatten: r.flatten,
  };
  if (
    !Number.isInteger(o.width) ||
    !Number.isInteger(o.height) ||
    !CHANNELS.includes(o.channels as string) ||
    (o.layout !== 'NCHW' && o.layout !== 'NHWC') ||
    (o.range !== '0..1' && o.range !== '0..255') ||
    !isNumberList(o.mean) ||
    !isNumberList(o.std) ||
    typeof o.flatten !== 'boolean'
  ) {
    return null;
  }
  try {
    validatePreprocessOptions(o as PreprocessOptions);
  } catch {
    return null;
  }
  return o as PreprocessOptions;
}

function readPresets(storage: StorageLike | null): Record<string, unknown> {
  try {
    const raw: unknown = JSON.parse(storage?.getItem(PRESETS_KEY) ?? '{}');
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw)
      ? (raw as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The preprocessing saved for a model (see `presetKey`), or null. */
export function readPreset(
  key: string,
  storage: StorageLike | null = browserStorage(),
): PreprocessOptions | null {
  return toPreprocess(readPresets(storage)[key]);
}

/** Save (or with null, forget) a model's preprocessing; the most recent is kept last, the oldest dropped first. */
export function savePreset(
  key: string,
  options: PreprocessOptions | null,
  storage: StorageLike | null = browserStorage(),
): void {
  const all = readPresets(storage);
  delete all[key];
  if (options) all[key] = options;
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_PRESETS))) delete all[k];
  try {
    storage?.setItem(PRESETS_KEY, JSON.stringify(all));
  } catch {
    // quota or privacy mode: presets just don't persist
  }
}
