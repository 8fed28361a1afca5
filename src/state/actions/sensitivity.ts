// Measured per-layer sensitivity from the studio: each layer quantized alone at the chosen width with the global
// settings, on the user's sample set (its first SENSITIVITY_SAMPLES) or, without one, the synthetic probe.
import { proxy } from 'comlink';
import { getEvaluateSession } from '../../bridge';
import type { IntBits } from '../../core/quant/config';
import type { SensitivityProgress } from '../../protocol/eval-dto';
import { selectEvalBusy, selectSamples } from '../eval-selectors';
import { selectLoaded } from '../selectors';
import { initialSensitivity } from '../sensitivity-slice';
import { getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import { setLayerBits, setLayerIncluded } from './config';
import { defaultPreprocess } from './evaluate-samples';

/** Samples each layer's model runs on (a published study found 64 enough to rank CNN layers; docs/sensitivity.md). */
export const SENSITIVITY_SAMPLES = 64;
/** "More bits" gives a layer this width. */
export const MORE_BITS: IntBits = 8;

let nextRunId = 0;
let controller: AbortController | undefined;

export function sensitivityBlocker(s = getState()): string | null {
  if (!selectLoaded(s)) return 'Open a model first.';
  if (s.sensitivityRun.status !== 'running' && selectEvalBusy(s)) return 'Wait for the evaluation to finish.';
  return null;
}

/** The data a run would use now: the ready sample set, else the synthetic probe. */
export function sensitivitySource(s = getState()): { kind: 'samples' | 'synthetic'; name: string } {
  const samples = s.samples.status === 'ready' ? selectSamples(s) : null;
  return samples ? { kind: 'samples', name: samples.name } : { kind: 'synthetic', name: 'synthetic probe' };
}

export const setSensitivityBits = (bits: IntBits) => setState({ sensitivityBits: bits });

export async function runSensitivity(): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  if (!loaded || s.sensitivityRun.status === 'running' || sensitivityBlocker(s)) return;
  const runId = ++nextRunId;
  controller = new AbortController();
  const { signal } = controller;
  const source = sensitivitySource(s);
  const samples = source.kind === 'samples' ? selectSamples(s) : null;
  const images = samples ? samples.info.kind === 'images' : true; // the probe takes image preprocessing too
  const preprocess = images ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  setState({ sensitivityRun: { status: 'running', runId, progress: null } });
  const current = () => {
    const r = getState().sensitivityRun;
    return r.status === 'running' && r.runId === runId ? r : null;
  };
  try {
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
        config: { ...s.config, bits: s.sensitivityBits, layers: {} },
        source: source.kind,
        preprocess,
        maxSamples: source.kind === 'samples' ? SENSITIVITY_SAMPLES : undefined,
      },
      signal,
      onProgress,
    );
    if (!current()) return;
    setState({
      sensitivityRun: { status: 'idle' },
      sensitivityResult: { runId, report, modelId: loaded.id, source: source.kind, samplesName: source.name },
    });
  } catch (e) {
    if (!current()) return;
    if (signal.aborted || isAbortLike(e)) setState({ sensitivityRun: { status: 'idle' } });
    else setState({ sensitivityRun: { status: 'error', error: toUiError(e) } });
  }
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
  setState({ sensitivityRun: initialSensitivity.sensitivityRun, sensitivityResult: null });
}

export const dismissSensitivityError = () => {
  if (getState().sensitivityRun.status === 'error') setState({ sensitivityRun: { status: 'idle' } });
};

/** Act on a measurement: leave the layer in float in every variant (the weights table's include tick). */
export const keepLayerFloat = (name: string) => setLayerIncluded(name, false);
/** Act on a measurement: give the layer MORE_BITS in every variant (the weights table's per-layer bits). */
export const giveLayerMoreBits = (name: string) => {
  setLayerIncluded(name, true);
  setLayerBits(name, MORE_BITS);
};
