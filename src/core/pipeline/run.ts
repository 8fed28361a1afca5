import { isStudioError, StudioError } from '../errors';
import { applyEncodings, encodedBytes, type EncodedWeight } from '../export/rewrite';
import { chooseEncoding, type Encoding } from '../export/encoding';
import { inlineExternalInitializers } from '../export/inline';
import {
  needsExternalData,
  toExternalData,
  type ExternalData,
  type ExternalDataMode,
} from '../export/external-data';
import { aiOnnxOpset, planOpsetUpgrade, upgradeOpset } from '../onnx/opset';
import { findWeights, readWeight } from '../onnx';
import { joinParts, serializeParts, type ModelFile } from '../export/stream';
import { floatLeftOutside } from '../onnx/inventory';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import type { QuantConfig, WeightSpec } from '../quant/config';
import { excludedReason, leftFloatReason, weightSpec } from './select';
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
import { applyBiasCorrection, outputShift, type BiasEdit } from './bias';
import { kernelWeight, lookahead, type RtnPool } from './schedule';
import type { LazyRaw } from '../onnx/lazy';

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
  spill?: (bytes: Uint8Array) => Promise<LazyRaw>;
}

/** Tensors from this size on are spilled (smaller ones are cheaper to keep than to write and read back). */
const SPILL_MIN_BYTES = 64 * 1024;

async function spilled(e: EncodedWeight, spill: RunHooks['spill'], pool?: RtnPool): Promise<EncodedWeight> {
  if (!spill) return e;
  if (e.kind === 'cast' && ArrayBuffer.isView(e.fp16) && e.fp16.byteLength >= SPILL_MIN_BYTES)
    return { ...e, fp16: await spill(new Uint8Array(e.fp16.buffer, e.fp16.byteOffset, e.fp16.byteLength)) };
  if (e.kind === 'dq' && ArrayBuffer.isView(e.packed) && e.packed.byteLength >= SPILL_MIN_BYTES) {
    const packed = e.packed;
    const out = { ...e, packed: await spill(packed) };
    recycleWhole(packed, pool);
    return out;
  }
  if (e.kind === 'matmulnbits' && ArrayBuffer.isView(e.nbits.B) && e.nbits.B.byteLength >= SPILL_MIN_BYTES) {
    const B = e.nbits.B;
    const out = { ...e, nbits: { ...e.nbits, B: await spill(B) } };
    recycleWhole(B, pool);
    return out;
  }
  return e;
}

/**
 * A spilled tensor's bytes are read back from the spill file from now on: a buffer they fill whole can hold a later
 * tensor's packed levels or blobs.
 */
function recycleWhole(bytes: Uint8Array, pool?: RtnPool): void {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  )
    pool?.recycle?.(bytes.buffer);
}

/**
 * A MatMulNBits weight as the run keeps it until the model is written: the rewrite reads its blobs, their scales and
 * zero points, and of the grid `q` only the shape and block size. The grid's own copy of the scales (as many as the
 * blobs', 1/32 of the float weight at block 32: 81 MB on a 2.6 GB model) is not held for the whole run.
 */
function lean(e: EncodedWeight): EncodedWeight {
  if (e.kind !== 'matmulnbits') return e;
  const zeroPoints = e.q.zeroPoints && new Int16Array(0);
  return { ...e, q: { ...e.q, scales: new Float32Array(0), zeroPoints } };
}

export interface RunResult {
  summary: RunSummary;
  /** The exported ONNX file as parts to write one after another (large tensors are never copied together). */
  file: ModelFile;
  /** The exported ONNX file in one buffer, joined on first use (throws while a part is still in a source file). */
  readonly bytes: Uint8Array;
  /** With external-data output: the data file `bytes` refers to, as parts to write one after another. */
  externalData?: ExternalData;
}

export interface OutputOptions {
  /** 'auto' (default): one file unless the tensors would pass protobuf's 2 GiB limit; 'always': two files. */
  externalData?: ExternalDataMode;
  /** The data file's name next to the .onnx, e.g. `model.onnx_data` for `model.onnx`. */
  dataLocation?: string;
}

interface Planned {
  weight: WeightInfo;
  spec: WeightSpec;
  encoding: Encoding;
  /** Why the weight got other settings than asked for (block larger than its reduction axis). */
  fallback?: string;
}

/** Decide every weight's encoding and whether the model's opset must rise (then on the upgraded model). */
function plan(model: OnnxModel, config: QuantConfig, skipped: RunSummary['skipped'], notes: string[]) {
  // Gather tables are always found (so names never depend on the flag) and left float unless asked for.
  const weights = findWeights(model, { includeGather: true });
  const opset = aiOnnxOpset(model.proto) ?? 1; // no ai.onnx import: treat as opset 1
  const upgradable = [25, 21].find((t) => t > opset && planOpsetUpgrade(model.proto, t).ok) ?? null;
  const blockers = upgradable === null && opset < 25 ? planOpsetUpgrade(model.proto, 21) : null;
  const ctx = { opset, maxOpset: upgradable ?? (opset >= 25 ? opset : null), format: config.format };

  let target = opset;
  for (const w of weights) {
    const spec = weightSpec(config, w);
    if (!spec || leftFloatReason(w, spec)) continue;
    const enc = chooseEncoding(w, spec, ctx);
    if (enc?.kind === 'dq' && enc.domain === '' && enc.minOpset > target) target = enc.minOpset;
  }
  let working = model;
  if (target > opset) {
    const up = upgradeOpset(model.proto, target);
    working = { ...model, proto: up.proto };
    notes.push(`opset ${opset} → ${target}: ${up.changes.length ? up.changes.join('; ') : 'no op changed'}`);
  }
  const planned: Planned[] = [];
  const workingWeights = target > opset ? findWeights(working, { includeGather: true }) : weights;
  const wctx = { ...ctx, opset: target };
  for (const w of workingWeights) {
    const spec = weightSpec(config, w);
    const reason = spec ? leftFloatReason(w, spec) : excludedReason(config, w);
    if (!spec || reason) {
      skipped.push({ name: w.name, reason: reason! });
      continue;
    }
    const encoding = chooseEncoding(w, spec, wctx);
    if (encoding) planned.push({ weight: w, spec, encoding, fallback: spec.fallback });
    else {
      const why = blockers && !blockers.ok ? ` (upgrade blocked by ${blockers.blockers.join(', ')})` : '';
      skipped.push({
        name: w.name,
        reason: `${spec.granularity}-wise ${spec.bits}-bit needs opset ≥ 21 and the model is opset ${opset}${why}`,
      });
    }
  }
  return { working, planned, opset: target, weights: workingWeights };
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
      skipped.push({ name: w.name, reason: e.message });
      done += w.elements;
      continue;
    }
    if (qw.kind === 'levels') throw new Error(`${w.name}: levels without an export target`); // targetOf never gives null here
    const metrics = overall.addSums(qw.sums);
    const e: EncodedWeight =
      qw.kind === 'fp16'
        ? { kind: 'cast', weight: w, fp16: qw.bits }
        : qw.kind === 'nbits'
          ? {
              kind: 'matmulnbits',
              weight: w,
              encoding: encoding as Extract<Encoding, { kind: 'matmulnbits' }>,
              q: qw.q,
              nbits: qw.nbits,
            }
          : {
              kind: 'dq',
              weight: w,
              encoding: encoding as Extract<Encoding, { kind: 'dq' }>,
              q: qw.q,
              packed: qw.packed,
            };
    const bytesAfter = encodedBytes(e);
    encoded.push(await spilled(lean(e), hooks.spill, pool));
    layers.push({
      ...metrics,
      name: w.name,
      op: w.op,
      shape: w.shape,
      elements: w.elements,
      bits: spec.bits,
      scheme: spec.scheme,
      granularity: spec.granularity,
      blockSize: spec.granularity === 'block' ? spec.blockSize : null,
      container: encoding.kind === 'cast' ? 'float16' : encoding.container,
      encoding:
        encoding.kind === 'cast'
          ? 'Cast'
          : encoding.kind === 'matmulnbits'
            ? 'MatMulNBits'
            : encoding.domain
              ? 'com.microsoft.DequantizeLinear'
              : 'DequantizeLinear',
      bytesBefore: w.bytes,
      bytesAfter,
      ...(fallback ? { fallback } : {}),
      ...(rounding ? { rounding } : {}),
    });
    if (fallback) notes.push(`${w.name}: ${fallback}`);
    done += w.elements;
  }
  if (hooks.isCancelled?.()) throw new StudioError('CancelledError', `run ${runId} was cancelled`);
  hooks.onProgress?.({ status: 'writing', fraction: 1 });
  await hooks.pause?.();
  let exported = applyEncodings(working.proto, encoded, { stripDocStrings: config.stripDocStrings });
  if (config.biasCorrection) {
    const corrected = await applyBiasCorrection(exported, working, biasEdits);
    exported = corrected.proto;
    notes.push(...corrected.notes);
    if (noBiasData.length) notes.push(`bias correction not applied to: ${noBiasData.join('; ')}`);
  }
  let file: ModelFile;
  let externalData: ExternalData | undefined;
  if (needsExternalData(output.externalData ?? 'auto', exported, working)) {
    const split = await toExternalData(exported, working, output.dataLocation ?? 'model.onnx_data');
    file = await serializeParts(split.proto);
    externalData = split.data;
    notes.push(`tensors written to the external data file ${split.data.location} (${split.data.size} bytes)`);
  } else file = await serializeParts(inlineExternalInitializers(exported, working));

  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const worst = layers.reduce<LayerResult | null>(
    (a, l) => (a === null || l.sqnrDb < a.sqnrDb ? l : a),
    null,
  );
  const graph = working.proto.graph;
  const floatLeft = graph ? floatLeftOutside(graph, weights) : [];
  const weightParams = new Map(weights.map((w) => [`${w.homePath.length}|${w.initializer}`, w.elements]));
  const quantizedParams = layers.reduce((a, l) => a + l.elements, 0);
  const summary: RunSummary = {
    runId,
    config,
    layers,
    skipped,
    floatLeft,
    floatParams: {
      total:
        [...weightParams.values()].reduce((a, b) => a + b, 0) + floatLeft.reduce((a, c) => a + c.elements, 0),
      quantized: quantizedParams,
    },
    fileBytesBefore:
      model.fileBytes + [...new Set(model.externalFiles.values())].reduce((a, b) => a + b.size, 0),
    fileBytesAfter: file.size + (externalData?.size ?? 0),
    opset,
    notes,
    overallSqnrDb: overall.overall().sqnrDb,
    meanSqnrDb: finite.length
      ? finite.reduce((a, b) => a + b, 0) / finite.length
      : layers.length
        ? Infinity
        : NaN,
    minSqnrDb: worst ? worst.sqnrDb : NaN,
    worstLayer: worst ? worst.name : null,
    durationMs: now() - started,
  };
  return withBytes(externalData ? { summary, file, externalData } : { summary, file });
}

/** Adds RunResult.bytes as a getter (not enumerable: spreading a result does not join its parts). */
export function withBytes<T extends Omit<RunResult, 'bytes'>>(r: T): T & { readonly bytes: Uint8Array } {
  let joined: Uint8Array | undefined;
  return Object.defineProperty(r, 'bytes', { get: () => (joined ??= joinParts(r.file)) }) as T & {
    readonly bytes: Uint8Array;
  };
}
