// The synthetic probe from the studio: no sample set needed. Made-up inputs from the model's input shapes give every
// variant an output-fidelity number; the result is marked synthetic (report.synthetic) and shown as such.
import { proxy } from 'comlink';
import { getEvaluateSession, type EvalVariantFile } from '../../bridge';
import type { EvalProgress } from '../../protocol/eval-dto';
import { selectEvalBusy } from '../eval-selectors';
import { resultOf, selectLoaded, selectResultVariants } from '../selectors';
import { getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import { bitsLabel } from '../variant-key';
import { defaultPreprocess } from './evaluate-samples';
import { variantBlob } from './download';

/** Results of the probe name this as their sample set (no real set has a negative id). */
export const PROBE_SAMPLES_ID = -1;
let nextProbeRun = 1_000_000; // apart from evaluateAll's run ids
let controller: AbortController | undefined;

export function probeBlocker(s = getState()): string | null {
  if (!selectLoaded(s)) return 'Open a model first.';
  if (s.batch.status !== 'idle') return 'Wait for quantization to finish.';
  return null;
}

/** Run the float model and every variant on the synthetic probe. */
export async function evaluateProbe(): Promise<void> {
  const s = getState();
  const loaded = selectLoaded(s);
  if (!loaded || selectEvalBusy(s) || probeBlocker(s)) return;
  const runId = ++nextProbeRun;
  controller = new AbortController();
  const { signal } = controller;
  setState({ evalRun: { status: 'preparing', runId, step: 'Preparing the synthetic probe…' } });
  try {
    const files: EvalVariantFile[] = [];
    const runIds: Record<string, string> = {};
    for (const v of selectResultVariants(s)) {
      const label = `${bitsLabel(v.bits)} (${v.id})`;
      files.push({ id: v.id, label, blob: await variantBlob(loaded, v) });
      signal.throwIfAborted();
      runIds[v.id] = resultOf(v)?.runId ?? '';
    }
    setState({ evalRun: { status: 'running', runId, progress: null } });
    const onProgress = proxy((progress: EvalProgress) => {
      const r = getState().evalRun;
      if (r.status === 'running' && r.runId === runId) setState({ evalRun: { ...r, progress } });
    });
    const report = await getEvaluateSession().probe(
      {
        float: {
          blob: loaded.file,
          label: loaded.fileName,
          externalData: loaded.sidecars.map((f) => ({ path: f.name, blob: f.blob })),
        },
        variants: files,
        preprocess: (s.preprocess ?? defaultPreprocess(loaded.summary)).options,
        mode: s.evalMode,
        iouThreshold: s.iouThreshold,
        latency: true,
      },
      signal,
      onProgress,
    );
    const r = getState().evalRun;
    if (r.status === 'idle' || r.status === 'error' || r.runId !== runId) return;
    setState({
      evalRun: { status: 'idle' },
      evalResult: {
        runId,
        report,
        modelId: loaded.id,
        samplesId: PROBE_SAMPLES_ID,
        samplesName: 'synthetic probe',
        runIds,
        samplesLabel: `evaluated on ${report.sampleCount} synthetic inputs (no calibration samples among them)`,
      },
      evalSelection: { variantId: null, mode: report.modes[0] ?? 'exact' },
      flips: {},
    });
  } catch (e) {
    const r = getState().evalRun;
    if (r.status === 'idle' || r.status === 'error' || r.runId !== runId) return;
    if (signal.aborted || isAbortLike(e)) setState({ evalRun: { status: 'idle' } });
    else setState({ evalRun: { status: 'error', error: toUiError(e) } });
  }
}

export const setIouThreshold = (t: number) => {
  if (Number.isFinite(t)) setState({ iouThreshold: t });
};
