import { proxy } from 'comlink';
import { WORKER_CRASHED, getQuantizeSession } from '../../bridge';
import { hasErrorName } from '../../bridge/shared-flight';
import type { Bits, QuantConfig } from '../../core/quant/config';
import type { Progress } from '../../protocol/dto';
import { describeQuantized } from '../../core/onnx/quantized-text';
import { nothingReason } from '../../core/pipeline/select';
import { getState, setState } from '../store';
import { resultOf, selectLoaded, selectNothingToQuantize } from '../selectors';
import { isAbortLike, toUiError } from '../ui-error';
import type { OpenedModel, RunState, Variant } from '../types';
import { sortBits, variantIdOf } from '../variant-key';
import { releaseDownload } from './download';
import { checkVariant, releaseCheck } from './check-variant';
import { calibrationBlocker, ensureCalibration } from './calibration';

let controller: AbortController | undefined;
let nextBatchId = 0;

/** Start a batch: a new id and the controller `cancelQuantize` aborts. */
export function beginBatch(): { batchId: number; signal: AbortSignal } {
  controller = new AbortController();
  return { batchId: ++nextBatchId, signal: controller.signal };
}
let nextJobId = 0;

export interface PlannedVariant {
  id: string;
  bits: Bits;
  config: QuantConfig;
  plan?: Variant['plan'];
}

export const isBatch = (batchId: number) => {
  const b = getState().batch;
  return b.status !== 'idle' && b.batchId === batchId;
};

const isCurrentJob = (variantId: string, jobId: number) => {
  const run = getState().variants[variantId]?.run;
  return run?.status === 'running' && run.jobId === jobId;
};

function setRun(variantId: string, run: RunState): void {
  setState((s) => {
    const v = s.variants[variantId];
    return v ? { variants: { ...s.variants, [variantId]: { ...v, run } } } : {};
  });
}

/** Quantize chosen bit width, one job per variant, one after the other in the worker. */
export async function quantizeSelected(): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  if (
    !loaded ||
    s.model.status === 'loading' ||
    s.batch.status !== 'idle' ||
    s.chosenBits.length === 0 ||
    selectNothingToQuantize(s) !== null ||
    calibrationBlocker(s) !== null
  )
    return;
  const { batchId, signal } = beginBatch();
  const plan: PlannedVariant[] = sortBits(s.chosenBits).map((bits) => {
    const config: QuantConfig = { ...s.config, bits };
    return { id: variantIdOf(config), bits, config };
  });
  setState((st) => {
    const variants = { ...st.variants };
    const variantOrder = [...st.variantOrder];
    for (const p of plan) {
      if (variants[p.id]) continue;
      variants[p.id] = { ...p, run: { status: 'idle' } };
      variantOrder.push(p.id);
    }
    return {
      variants,
      variantOrder,
      batch: { status: 'running', batchId, variantIds: plan.map((p) => p.id) },
    };
  });
  try {
    for (const p of plan) {
      if (signal.aborted || !isBatch(batchId)) break;
      // After a crash (often out of memory) the rest of the batch is dropped: the next width would likely crash too.
      if ((await runOne(loaded, p, signal)) === 'crashed') break;
    }
  } finally {
    await getQuantizeSession().idle();
    if (isBatch(batchId)) finishBatch(plan.map((p) => p.id));
  }
}

/** End a batch: variants that never got a result (queued, or cancelled before a first result) are removed. */
export function finishBatch(ids: string[]): void {
  setState((s) => {
    const variants = { ...s.variants };
    for (const id of ids) if (variants[id]?.run.status === 'idle') delete variants[id];
    return { variants, variantOrder: s.variantOrder.filter((id) => variants[id]), batch: { status: 'idle' } };
  });
}

export async function runOne(
  loaded: OpenedModel,
  p: PlannedVariant,
  signal: AbortSignal,
): Promise<'crashed' | undefined> {
  const jobId = ++nextJobId;
  const runId = `${loaded.id}:${p.id}:${jobId}`;
  const last = resultOf(getState().variants[p.id]);
  setRun(p.id, { status: 'running', jobId, runId, progress: 0, stage: null, last });

  const onProgress = proxy((progress: Progress) => {
    const run = getState().variants[p.id]?.run;
    if (run?.status !== 'running' || run.jobId !== jobId) return; // stale job
    setRun(p.id, { ...run, progress: progress.fraction, stage: progress });
  });

  const session = getQuantizeSession();
  const setCapture = (capture: { done: number; total: number } | null) =>
    setState((st) => (st.batch.status === 'running' ? { batch: { ...st.batch, capture } } : {}));
  try {
    // GPTQ / AdaRound / bias correction: the calibration first (captured once, then reused by the other widths).
    const calibration = await ensureCalibration(loaded, p.config, signal, (c) => {
      if (isCurrentJob(p.id, jobId)) setCapture(c);
    }).finally(() => setCapture(null));
    // Cancel is cooperative (the worker keeps the parsed model); the session terminates it only if it does not answer.
    const summary = await session.quantize(loaded, runId, p.config, signal, onProgress, calibration);
    if (!isCurrentJob(p.id, jobId)) {
      session.dropRun(runId);
      return;
    }
    if (summary.layers.length === 0) {
      // Found only when it ran (e.g. an opset upgrade is blocked): never a "done" copy of the float model.
      session.dropRun(runId);
      const summaryOf = selectLoaded(getState())?.summary;
      const already = summaryOf ? describeQuantized(summaryOf.quantized) : '';
      setRun(p.id, {
        status: 'error',
        error: {
          name: 'NothingQuantized',
          message: `Nothing to quantize: ${nothingReason(already, summary.skipped)}`,
        },
        last,
      });
      return;
    }
    setRun(p.id, { status: 'done', summary });
    if (last && last.runId !== summary.runId) {
      if (getState().downloads[p.id]) releaseDownload(p.id);
      session.dropRun(last.runId);
    }
    void checkVariant(p.id); // before the download button is offered
  } catch (err) {
    if (!isCurrentJob(p.id, jobId)) return;
    if (signal.aborted || isAbortLike(err)) {
      setRun(p.id, last ? { status: 'done', summary: last } : { status: 'idle' });
      return;
    }
    setRun(p.id, { status: 'error', error: toUiError(err), last });
    if (hasErrorName(err, WORKER_CRASHED)) return 'crashed';
  }
  return undefined;
}

/** Stop the running batch. The running job keeps its last result (if any); queued ones are dropped. */
export async function cancelQuantize(): Promise<void> {
  const b = getState().batch;
  if (b.status !== 'running') return;
  setState({ batch: { ...b, status: 'cancelling' } });
  controller?.abort(new DOMException('Cancelled by the user', 'AbortError'));
  await getQuantizeSession().idle();
}

/** Remove a variant (not while it runs) and free what the worker and the page hold for it. */
export function removeVariant(variantId: string): void {
  const s = getState();
  const v = s.variants[variantId];
  if (!v || v.run.status === 'running') return;
  const result = resultOf(v);
  releaseDownload(variantId);
  releaseCheck(variantId);
  getQuantizeSession().releaseBlob(variantId);
  setState((st) => {
    const variants = { ...st.variants };
    delete variants[variantId];
    const compare = { ...st.compare };
    if (compare.a === variantId) compare.a = null;
    if (compare.b === variantId) compare.b = null;
    return { variants, variantOrder: st.variantOrder.filter((id) => id !== variantId), compare };
  });
  if (result) getQuantizeSession().dropRun(result.runId);
}
