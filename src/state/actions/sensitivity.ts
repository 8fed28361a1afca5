// Measured per-layer sensitivity from the studio: each layer quantized alone at the chosen width with the global
// settings, on the user's sample set (its calibration part: the first N samples, N the calibration count the user
// sets, as the CLI's --calibration-count) or, without one, the synthetic probe.
import { proxy } from 'comlink';
import { getEvaluateSession } from '../../bridge';
import type { Bits, IntBits } from '../../core/quant/config';
import type { LayerSelection, SensitivityProgress } from '../../protocol/eval-dto';
import { selectEvalBusy, selectSamples } from '../eval-selectors';
import { selectSampleSplit } from '../sample-split';
import { selectLoaded } from '../selectors';
import { initialSensitivity, type SensitivityResult } from '../sensitivity-slice';
import type { AppState } from '../slices';
import { getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import { setLayerBits, setLayerIncluded } from './config';
import { defaultPreprocess } from './evaluate-samples';
import {
  atWidth,
  budgetShow,
  budgetWidthsToMeasure,
  reportsBySource,
  selectBudgetSensitivity,
  sensitivityKey,
  sensitivitySource,
  type BudgetSensitivity,
} from './sensitivity-data';
import { askFirst, panelConfirm } from './sensitivity-plan';

/** The widths "give more bits" offers a layer from the ranking (besides float and the variant's own width). */
export const LAYER_WIDTHS: readonly Bits[] = [8, 6, 5, 4, 3, 'fp16'];

let nextRunId = 0;
let controller: AbortController | undefined;

export function sensitivityBlocker(s = getState()): string | null {
  if (!selectLoaded(s)) return 'Open a model first.';
  if (s.sensitivityRun.status !== 'running' && selectEvalBusy(s)) return 'Wait for the evaluation to finish.';
  return null;
}

export const setSensitivityBits = (bits: IntBits) => setState({ sensitivityBits: bits });

/** One measurement at `bits` in the evaluate worker with the settings and data of `s` (the run's start). */
async function measureAt(
  s: AppState,
  bits: IntBits,
  runId: number,
  signal: AbortSignal,
  sweep: { index: number; count: number } | null,
  selection: LayerSelection | undefined,
): Promise<SensitivityResult | null> {
  const loaded = selectLoaded(s)!;
  const source = sensitivitySource(s);
  const samples = source.kind === 'samples' ? selectSamples(s) : null;
  const images = samples ? samples.info.kind === 'images' : true; // the probe takes image preprocessing too
  const preprocess = images ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  const current = () => {
    const r = getState().sensitivityRun;
    return r.status === 'running' && r.runId === runId ? r : null;
  };
  setState({
    sensitivityRun: { status: 'running', runId, progress: null, sweep: sweep && { ...sweep, bits } },
  });
  const onProgress = proxy((progress: SensitivityProgress) => {
    const r = current();
    if (r) setState({ sensitivityRun: { ...r, progress } });
  });
  const report = await getEvaluateSession().sensitivity(
    samples,
    {
      float: {
        blob: loaded.file,
        label: loaded.fileName,
        externalData: loaded.sidecars.map((f) => ({ path: f.name, blob: f.blob })),
      },
      // Per-layer range settings and equalization are honoured; each layer is measured at `bits`.
      config: { ...s.config, bits },
      source: source.kind,
      preprocess,
      // A measurement calibrates (the budget's loss, layers to keep float): it reads the calibration part, all of it.
      range: source.kind === 'samples' ? selectSampleSplit(s)?.calibration : undefined,
      maxSamples: source.kind === 'samples' ? source.samples : undefined,
      selection,
    },
    signal,
    onProgress,
  );
  if (!current()) return null;
  const result: SensitivityResult = {
    runId,
    report,
    modelId: loaded.id,
    source: source.kind,
    samplesName: source.name,
    samples: source.samples,
    // A sample or blocks rank fewer rows: never summed with whole-layer reports for the budget.
    key: sensitivityKey(s.config) + selectionKey(selection),
  };
  const same = (r: SensitivityResult) =>
    r.modelId === result.modelId &&
    r.key === result.key &&
    r.source === result.source &&
    r.samplesName === result.samplesName &&
    r.samples === result.samples &&
    r.report.spec.bits === bits;
  setState((st) => ({ sensitivityReports: [...st.sensitivityReports.filter((r) => !same(r)), result] }));
  return result;
}

/**
 * Measures `widths` one after another as one cancellable run, all with the settings and data of its start; then
 * shows the report at `show` (measured now or before on the same data), else the last one.
 */
async function runWidths(
  widths: readonly IntBits[],
  show: IntBits,
  selection?: LayerSelection,
  confirmed = false,
): Promise<void> {
  const s = getState();
  if (!selectLoaded(s) || s.sensitivityRun.status === 'running' || sensitivityBlocker(s)) return;
  if (!confirmed) {
    const ask = panelConfirm(s, widths, show);
    if (ask) return askFirst(ask);
  }
  setState({ sensitivityConfirm: null });
  const runId = ++nextRunId;
  controller = new AbortController();
  const { signal } = controller;
  const isCurrent = () => {
    const r = getState().sensitivityRun;
    return r.status === 'running' && r.runId === runId;
  };
  const sweep = widths.length > 1 || widths[0] !== show;
  try {
    let last: SensitivityResult | null = null;
    for (const [index, bits] of widths.entries()) {
      last = await measureAt(
        s,
        bits,
        runId,
        signal,
        sweep ? { index, count: widths.length } : null,
        selection,
      );
      if (!last) return;
    }
    if (!isCurrent()) return;
    const group = reportsBySource(getState()).find(
      (g) =>
        g[0].source === last!.source &&
        g[0].samplesName === last!.samplesName &&
        g[0].samples === last!.samples,
    );
    setState({
      sensitivityRun: { status: 'idle' },
      sensitivityResult: atWidth(group ?? [], show) ?? last,
    });
  } catch (e) {
    if (!isCurrent()) return;
    if (signal.aborted || isAbortLike(e)) setState({ sensitivityRun: { status: 'idle' } });
    else setState({ sensitivityRun: { status: 'error', error: toUiError(e) } });
  }
}

const selectionKey = (sel: LayerSelection | undefined) =>
  !sel ? '' : 'sample' in sel ? `|sample ${sel.sample}` : `|by ${sel.groupBy}`;

/** The user's answer to a long measurement: all layers, one model per block, a sample, or nothing. */
export function confirmSensitivity(choice: 'all' | 'block' | 'sample' | 'cancel'): Promise<void> {
  const c = getState().sensitivityConfirm;
  setState({ sensitivityConfirm: null });
  if (!c || c.purpose !== 'panel' || choice === 'cancel') return Promise.resolve();
  const selection: LayerSelection | undefined =
    choice === 'block' ? { groupBy: 'block' } : choice === 'sample' ? c.sample?.selection : undefined;
  return runWidths(c.widths, c.show, selection, true);
}

/** Measure every layer alone at the chosen width. */
export const runSensitivity = (): Promise<void> =>
  runWidths([getState().sensitivityBits], getState().sensitivityBits);

/**
 * Measure at every width the budget solver may pick that is not measured yet on the data a run would use now, so
 * that "Quantize to budget" predicts each layer's loss from measurements instead of the weight-error proxy.
 */
export function measureForBudget(): Promise<void> {
  const s = getState();
  const todo = budgetWidthsToMeasure(s);
  return todo.length ? runWidths(todo, budgetShow(s)) : Promise.resolve();
}

/**
 * The budget plan's first phase when a sample set is loaded (as the CLI's `--calibration`): measure the widths still
 * missing on it at once, cancelled with `signal`. The complete measurement on that set, or null when it did not
 * finish: cancelled (here or in the sensitivity panel), blocked, or failed (then `sensitivityRun` has the error).
 */
export async function measureBudgetOnSamples(signal: AbortSignal): Promise<BudgetSensitivity | null> {
  const s = getState();
  const source = sensitivitySource(s);
  const onAbort = () => cancelSensitivity();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const todo = budgetWidthsToMeasure(s);
    if (todo.length) await runWidths(todo, budgetShow(s), undefined, true);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const m = signal.aborted ? null : selectBudgetSensitivity();
  return m && !m.synthetic && m.sourceName === source.name && m.samples === source.samples ? m : null;
}

/** Stops the run (the evaluate worker is restarted: an onnxruntime run cannot be interrupted). */
export function cancelSensitivity(): void {
  if (getState().sensitivityRun.status !== 'running') return;
  setState({ sensitivityRun: { status: 'idle' } });
  controller?.abort(new DOMException('Cancelled by the user', 'AbortError'));
}

/** A new model: its sensitivity is unknown. */
export function resetSensitivity(): void {
  cancelSensitivity();
  setState({
    sensitivityRun: initialSensitivity.sensitivityRun,
    sensitivityResult: null,
    sensitivityReports: [],
    sensitivityConfirm: null,
  });
}

export const dismissSensitivityError = () => {
  if (getState().sensitivityRun.status === 'error') setState({ sensitivityRun: { status: 'idle' } });
};

/** Act on a measurement: leave the layer in float in every variant (the weights table's include tick). */
export const keepLayerFloat = (name: string) => setLayerIncluded(name, false);
/**
 * Act on a measurement: give the layer `bits` in every variant (the weights table's per-layer bits); null gives it
 * each variant's width again.
 */
export const giveLayerBits = (name: string, bits: Bits | null) => {
  setLayerIncluded(name, true);
  setLayerBits(name, bits);
};
