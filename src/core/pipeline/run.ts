import { isStudioError, StudioError } from '../errors';
import { encodedParts, type EncodedWeight } from '../export/rewrite';
import type { Encoding } from '../export/encoding';
import { readWeight } from '../onnx';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import type { QuantConfig } from '../quant/config';
import { ErrorAccumulator } from '../metrics';
import type { LayerResult, Progress, RunSummary } from './types';
import {
  nbitsExport,
  quantizeForExport,
  type ExportedWeight,
  type ExportTarget,
  type QuantizedWeight,
} from './weight';
import { packLevels, type PackContainer } from '../quant/pack';
import { equalizeModel, equalizeNotes } from '../equalize/equalize';
import { errorSums } from '../metrics/error';
import { methodFor, quantizeWithMethod, type Calibration, type LayerRounding } from './method';
import { outputShift, type BiasEdit } from './bias';
import { kernelWeight, lookahead, type RtnPool } from './schedule';
import { plan } from './plan';
import {
  encodedWeight,
  held,
  withBytes,
  writeModel,
  type OutputOptions,
  type RunResult,
  type Spill,
} from './write';
import { layerResult, summarize } from './summary';

export interface RunHooks {
  onProgress?: (p: Progress) => void;
  isCancelled?: () => boolean;
  /** Awaited between tensors: the worker passes a macrotask yield so a cancel message can be handled. */
  pause?: () => Promise<void>;
  now?: () => number;
  /** Worker threads for the RTN export pass (CLI `--threads`); absent: each tensor in this thread, one by one. */
  rtnPool?: RtnPool;
  /**
   * Writes a large quantized tensor's bytes out as soon as they are made (the CLI: a file next to the output) and
   * says where, so the run does not hold every output tensor until the model is written; the exported parts then
   * read them back from there. Absent: they stay in memory.
   */
  spill?: Spill;
}

/** A data-aware method's result in the export pass's form (levels packed for the encoding, error sums). */
function forExport(qw: QuantizedWeight, values: Float32Array, target: ExportTarget): ExportedWeight {
  const sums = errorSums(values, qw.dequantized);
  if (qw.kind === 'fp16') return { kind: 'fp16', bits: qw.bits, sums };
  if (target === null) return { kind: 'levels', q: qw.q, sums };
  if (typeof target === 'object') return nbitsExport(qw.q, target.nbits, sums);
  return { kind: 'packed', q: qw.q, packed: packLevels(qw.q.levels, target), sums };
}

/** Quantize a model with one config and export it. Deterministic: same model + config → same bytes. */
export async function runQuantization(
  model: OnnxModel,
  config: QuantConfig,
  runId: string,
  hooks: RunHooks = {},
  output: OutputOptions = {},
  /** Hessians from calibration samples, for weights whose method is GPTQ or AdaRound. */
  calibration?: Calibration,
): Promise<RunResult> {
  const now = hooks.now ?? (() => Date.now());
  const started = now();
  const skipped: RunSummary['skipped'] = [];
  const notes: string[] = [];
  // Cross-layer equalization rewrites the float model (equivalently) before anything is planned or measured.
  const eq = config.equalize ? await equalizeModel(model, config) : null;
  if (eq) notes.push(...equalizeNotes(eq.report));
  const { working, planned, opset, weights } = plan(eq?.model ?? model, config, skipped, notes);
  const total = planned.reduce((s, p) => s + p.weight.elements, 0) || 1;
  let done = 0;
  const encoded: EncodedWeight[] = [];
  const layers: LayerResult[] = [];
  const overall = new ErrorAccumulator();
  const biasEdits: BiasEdit[] = [];
  const noBiasData: string[] = [];

  const targetOf = (e: Encoding): ExportTarget =>
    e.kind === 'dq' ? (e.container as PackContainer) : e.kind === 'matmulnbits' ? { nbits: e.bits } : null;
  // RTN without bias correction is a pure function of the tensor: with a pool, the next tensors start ahead.
  const plainRtn = (w: WeightInfo) => methodFor(config, w.name) === 'rtn' && !config.biasCorrection;
  const pool = hooks.rtnPool;
  const ahead = lookahead(planned, pool?.slots ?? 1, ({ weight: w, spec, encoding }) =>
    pool && plainRtn(w)
      ? readWeight(working, w).then((values) =>
          // a fresh array: handed over to the pool
          pool.run(values, kernelWeight(w), spec, targetOf(encoding)),
        )
      : null,
  );
  // Without a pool the next tensor's read is started before this one is quantized: a file read proceeds outside
  // this thread (a Blob, libuv) while the kernel runs, at the cost of one more tensor in memory.
  const reads = lookahead(planned, pool ? 1 : 2, ({ weight: w }) =>
    !pool && plainRtn(w) ? readWeight(working, w) : null,
  );

  for (const [index, { weight: w, spec, encoding, fallback }] of planned.entries()) {
    if (hooks.isCancelled?.()) throw new StudioError('CancelledError', `run ${runId} was cancelled`);
    hooks.onProgress?.({ status: 'quantizing', fraction: done / total, tensor: w.name });
    await hooks.pause?.();
    let qw: ExportedWeight;
    let rounding: LayerRounding | undefined; // reported for data-aware methods (RTN summaries stay as they were)
    try {
      const started = ahead.take(index);
      const target = targetOf(encoding);
      if (started) qw = await started;
      else if (plainRtn(w))
        qw = quantizeForExport(await (reads.take(index) ?? readWeight(working, w)), w, spec, target);
      else {
        const values = await readWeight(working, w);
        // Bias correction needs the dequantized values: RTN then goes through quantizeWeight (same levels).
        const method = methodFor(config, w.name);
        const r = quantizeWithMethod(
          values,
          w,
          spec,
          method,
          calibration,
          now,
          (step, steps) =>
            hooks.onProgress?.({ status: 'quantizing', fraction: done / total, tensor: w.name, step, steps }),
          hooks.isCancelled,
        );
        qw = forExport(r.qw, values, target);
        if (method !== 'rtn') rounding = r.rounding;
        const means = calibration?.meanInputs?.get(w.name);
        if (config.biasCorrection && means) {
          try {
            biasEdits.push({ weight: w, shift: outputShift(values, r.qw.dequantized, w, means) });
          } catch (e) {
            if (!isStudioError(e, 'UnsupportedModelError')) throw e;
            noBiasData.push(`${w.name} (${e.message})`);
          }
        } else if (config.biasCorrection)
          noBiasData.push(`${w.name} (no calibration activations reached it)`);
      }
    } catch (e) {
      // A NaN/Inf (or fp16-overflowing) weight: keep that layer float and say why, quantize the rest.
      if (!isStudioError(e, 'WeightValueError')) throw e;
      skipped.push({ name: w.name, reason: e.message, bytes: w.bytes });
      done += w.elements;
      continue;
    }
    if (qw.kind === 'levels') throw new Error(`${w.name}: levels without an export target`); // targetOf never gives null here
    const metrics = overall.addSums(qw.sums);
    const e = encodedWeight(qw, w, encoding);
    const stored = encodedParts(e);
    encoded.push(await held(e, hooks.spill, pool));
    layers.push(layerResult(metrics, planned[index], stored, rounding));
    if (fallback) notes.push(`${w.name}: ${fallback}`);
    done += w.elements;
  }
  if (hooks.isCancelled?.()) throw new StudioError('CancelledError', `run ${runId} was cancelled`);
  hooks.onProgress?.({ status: 'writing', fraction: 1 });
  await hooks.pause?.();
  const { file, externalData } = await writeModel(
    working,
    encoded,
    config,
    { edits: biasEdits, noData: noBiasData },
    output,
    notes,
  );
  const summary: RunSummary = summarize({
    runId,
    config,
    model,
    working,
    weights,
    layers,
    skipped,
    notes,
    opset,
    fileBytesAfter: file.size + (externalData?.size ?? 0),
    overallSqnrDb: overall.overall().sqnrDb,
    durationMs: now() - started,
  });
  return withBytes(externalData ? { summary, file, externalData } : { summary, file });
}
