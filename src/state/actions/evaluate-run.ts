// Running the float model and every quantized variant on the sample set, and cancelling that run.
import { proxy } from 'comlink';
import { getEvaluateSession, type EvalRequest, type EvalVariantFile } from '../../bridge';
import type { EvalMode, EvalModeRequest, EvalProgress, EvalReport } from '../../protocol/eval-dto';
import type { EvalResult, EvalSelection } from '../eval-slice';
import { primaryMode, selectEvalBusy, selectSamples } from '../eval-selectors';
import { resultOf, selectLoaded, selectResultVariants } from '../selectors';
import { getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import { bitsLabel } from '../variant-key';
import { prefetchFlips } from './evaluate-views';
import { defaultPreprocess } from './evaluate-samples';
import { variantBlob } from './download';
import { evaluationLabel } from '../../core/samples/split';
import { selectSampleSplit } from '../sample-split';

let nextRunId = 0;
let controller: AbortController | undefined;

const cancelled = () => new DOMException('Cancelled by the user', 'AbortError');

const isCurrentRun = (runId: number) => {
  const r = getState().evalRun;
  return r.status !== 'idle' && r.status !== 'error' && r.runId === runId;
};

export const setEvalMode = (evalMode: EvalModeRequest) => setState({ evalMode });

/** Can an evaluation start now? (Why not, for the button's hint.) */
export function evaluateBlocker(s = getState()): string | null {
  if (!selectLoaded(s)) return 'Open a model first.';
  if (s.model.status === 'loading') return 'Wait for the model to open.';
  if (!selectSamples(s)) return 'Drop a sample set first.';
  if (s.samples.status === 'loading') return 'Wait for the sample set to be read.';
  if (s.batch.status !== 'idle') return 'Wait for quantization to finish.';
  if (s.preview.status === 'ready' && !s.preview.result.fit.ok) {
    return 'The samples don’t fit the model input: see the message above.';
  }
  return null;
}

/** The flips gallery and confusion view start on the variant that changed the most predictions. */
export function defaultSelection(report: EvalReport): EvalSelection {
  let best: EvalSelection = { variantId: null, mode: report.modes[0] ?? 'exact' };
  let most = -1;
  for (const v of report.variants) {
    const m = primaryMode(v);
    if (m && m.flips > most) {
      most = m.flips;
      best = { variantId: v.id, mode: m.mode };
    }
  }
  return best;
}

/**
 * Evaluate the float model and every variant that has a result, on the current sample set, in the chosen mode(s).
 * Variant bytes come from the quantize worker's export (one Blob per run, shared with the download).
 */
export async function evaluateAll(): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  const samples = selectSamples(s);
  if (!loaded || !samples || selectEvalBusy(s) || evaluateBlocker(s)) return;
  const runId = ++nextRunId;
  controller = new AbortController();
  const { signal } = controller;
  const variants = selectResultVariants(s);
  const mode = s.evalMode;
  // Evaluation reads the part calibration does not (when the set is large enough): the split of the run's start.
  const split = selectSampleSplit(s);
  const preprocess =
    samples.info.kind === 'images' ? (s.preprocess ?? defaultPreprocess(loaded.summary)).options : null;
  setState({ evalRun: { status: 'preparing', runId, step: 'Preparing the models…' } });
  try {
    const files: EvalVariantFile[] = [];
    const runIds: Record<string, string> = {};
    for (const v of variants) {
      const label = `${bitsLabel(v.bits)} (${v.id})`;
      setState({ evalRun: { status: 'preparing', runId, step: `Exporting ${label}…` } });
      const blob = await variantBlob(loaded, v);
      signal.throwIfAborted();
      files.push({ id: v.id, label, blob });
      runIds[v.id] = resultOf(v)?.runId ?? '';
    }
    const request: EvalRequest = {
      float: {
        blob: loaded.file,
        label: loaded.fileName,
        externalData: loaded.sidecars.map((f) => ({ path: f.name, blob: f.blob })),
      },
      variants: files,
      preprocess,
      mode,
      iouThreshold: s.iouThreshold,
      latency: true,
      range: split?.evaluation,
    };
    setState({ evalRun: { status: 'running', runId, progress: null } });
    const onProgress = proxy((progress: EvalProgress) => {
      const r = getState().evalRun;
      if (r.status === 'running' && r.runId === runId) setState({ evalRun: { ...r, progress } });
    });
    // Aborting terminates the worker (an ORT run cannot be interrupted); the next call starts a fresh one.
    const report = await getEvaluateSession().evaluate(samples, request, signal, onProgress);
    if (!isCurrentRun(runId)) return;
    const result: EvalResult = {
      runId,
      report,
      modelId: loaded.id,
      samplesId: samples.id,
      samplesName: samples.name,
      runIds,
      samplesLabel: split ? evaluationLabel(split) : `evaluated on all ${report.sampleCount} samples`,
    };
    setState({
      evalRun: { status: 'idle' },
      evalResult: result,
      evalSelection: defaultSelection(report),
      flips: {},
      sizeQualityAxis: 'accuracy', // the user just asked for accuracy: show it in the size/quality plot
    });
    void prefetchFlips(result);
  } catch (e) {
    if (!isCurrentRun(runId)) return;
    if (signal.aborted || isAbortLike(e)) setState({ evalRun: { status: 'idle' } });
    else setState({ evalRun: { status: 'error', error: toUiError(e) } });
  }
}

/** Stop the running evaluation: the worker is terminated; earlier results stay. */
export function cancelEvaluation(): void {
  const r = getState().evalRun;
  if (r.status !== 'preparing' && r.status !== 'running') return;
  setState({ evalRun: { status: 'cancelling', runId: r.runId } });
  controller?.abort(cancelled());
  if (r.status === 'preparing') setState({ evalRun: { status: 'idle' } }); // nothing runs in the evaluate worker yet
}

export const dismissEvalError = () => {
  if (getState().evalRun.status === 'error') setState({ evalRun: { status: 'idle' } });
};

export const selectEvalView = (variantId: string | null, mode: EvalMode) =>
  setState({ evalSelection: { variantId, mode } });
