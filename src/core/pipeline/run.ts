import type { ModelProto } from 'onnx-buf';
import { isStudioError, StudioError } from '../errors';
import { applyEncodings, encodedBytes, type EncodedWeight } from '../export/rewrite';
import { chooseEncoding, type Encoding } from '../export/encoding';
import { inlineExternalInitializers } from '../export/inline';
import { planOpsetUpgrade, upgradeOpset } from '../onnx/opset';
import { findWeights, readWeight, serializeModel } from '../onnx';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import { specFor, type QuantConfig, type WeightSpec } from '../quant/config';
import { ErrorAccumulator } from '../metrics';
import type { LayerResult, Progress, RunSummary } from '../../protocol/dto';
import type { QuantizedWeight } from './weight';
import { methodFor, quantizeWithMethod, type Calibration, type LayerRounding } from './method';

export interface RunHooks {
  onProgress?: (p: Progress) => void;
  isCancelled?: () => boolean;
  /** Awaited between tensors: the worker passes a macrotask yield so a cancel message can be handled. */
  pause?: () => Promise<void>;
  now?: () => number;
}

export interface RunResult {
  summary: RunSummary;
  /** The exported ONNX file. */
  bytes: Uint8Array;
}

export const aiOnnxOpset = (proto: ModelProto): number =>
  Number(proto.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1);

interface Planned {
  weight: WeightInfo;
  spec: WeightSpec;
  encoding: Encoding;
}

/** Decide every weight's encoding and whether the model's opset must rise (then on the upgraded model). */
function plan(model: OnnxModel, config: QuantConfig, skipped: RunSummary['skipped'], notes: string[]) {
  const weights = findWeights(model, { includeGather: config.includeGather });
  const opset = aiOnnxOpset(model.proto);
  const upgradable = [25, 21].find((t) => t > opset && planOpsetUpgrade(model.proto, t).ok) ?? null;
  const blockers = upgradable === null && opset < 25 ? planOpsetUpgrade(model.proto, 21) : null;
  const ctx = { opset, maxOpset: upgradable ?? (opset >= 25 ? opset : null), format: config.format };

  let target = opset;
  for (const w of weights) {
    const spec = specFor(config, w.name);
    if (!spec) continue;
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
  const workingWeights =
    target > opset ? findWeights(working, { includeGather: config.includeGather }) : weights;
  const wctx = { ...ctx, opset: target };
  for (const w of workingWeights) {
    const spec = specFor(config, w.name);
    if (!spec) {
      skipped.push({ name: w.name, reason: 'excluded' });
    } else if (w.consumers > 1) {
      skipped.push({ name: w.name, reason: `tied weight: used by ${w.consumers} ops` });
    } else if (spec.bits === 'fp16' && w.dtype === 'float16') {
      skipped.push({ name: w.name, reason: 'already float16' });
    } else {
      const encoding = chooseEncoding(w, spec, wctx);
      if (encoding) planned.push({ weight: w, spec, encoding });
      else {
        const why = blockers && !blockers.ok ? ` (upgrade blocked by ${blockers.blockers.join(', ')})` : '';
        skipped.push({
          name: w.name,
          reason: `${spec.granularity}-wise ${spec.bits}-bit needs opset ≥ 21 and the model is opset ${opset}${why}`,
        });
      }
    }
  }
  return { working, planned, opset: target };
}

/** Quantize a model with one config and export it. Deterministic: same model + config → same bytes. */
export async function runQuantization(
  model: OnnxModel,
  config: QuantConfig,
  runId: string,
  hooks: RunHooks = {},
  /** Hessians from calibration samples, for weights whose method is GPTQ or AdaRound. */
  calibration?: Calibration,
): Promise<RunResult> {
  const now = hooks.now ?? (() => Date.now());
  const started = now();
  const skipped: RunSummary['skipped'] = [];
  const notes: string[] = [];
  const { working, planned, opset } = plan(model, config, skipped, notes);
  const total = planned.reduce((s, p) => s + p.weight.elements, 0) || 1;
  let done = 0;
  const encoded: EncodedWeight[] = [];
  const layers: LayerResult[] = [];
  const overall = new ErrorAccumulator();

  for (const { weight: w, spec, encoding } of planned) {
    if (hooks.isCancelled?.()) throw new StudioError('CancelledError', `run ${runId} was cancelled`);
    hooks.onProgress?.({ status: 'quantizing', fraction: done / total, tensor: w.name });
    await hooks.pause?.();
    const values = await readWeight(working, w);
    let qw: QuantizedWeight;
    let rounding: LayerRounding;
    try {
      ({ qw, rounding } = quantizeWithMethod(values, w, spec, methodFor(config, w.name), calibration, now));
    } catch (e) {
      // A NaN/Inf (or fp16-overflowing) weight: keep that layer float and say why, quantize the rest.
      if (!isStudioError(e, 'WeightValueError')) throw e;
      skipped.push({ name: w.name, reason: e.message });
      done += w.elements;
      continue;
    }
    const metrics = overall.add(values, qw.dequantized);
    const e: EncodedWeight =
      qw.kind === 'fp16'
        ? { kind: 'cast', weight: w, fp16: qw.bits }
        : encoding.kind === 'matmulnbits'
          ? { kind: 'matmulnbits', weight: w, encoding, q: qw.q }
          : { kind: 'dq', weight: w, encoding: encoding as Extract<Encoding, { kind: 'dq' }>, q: qw.q };
    encoded.push(e);
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
      bytesAfter: encodedBytes(e),
      rounding,
    });
    done += w.elements;
  }
  if (hooks.isCancelled?.()) throw new StudioError('CancelledError', `run ${runId} was cancelled`);
  hooks.onProgress?.({ status: 'writing', fraction: 1 });
  await hooks.pause?.();
  const exported = applyEncodings(working.proto, encoded, { stripDocStrings: config.stripDocStrings });
  const bytes = serialize(await inlineExternalInitializers(exported, working));

  const finite = layers.map((l) => l.sqnrDb).filter(Number.isFinite);
  const worst = layers.reduce<LayerResult | null>(
    (a, l) => (a === null || l.sqnrDb < a.sqnrDb ? l : a),
    null,
  );
  const summary: RunSummary = {
    runId,
    config,
    layers,
    skipped,
    fileBytesBefore:
      model.fileBytes + [...new Set(model.externalFiles.values())].reduce((a, b) => a + b.size, 0),
    fileBytesAfter: bytes.length,
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
  return { summary, bytes };
}

/** One protobuf buffer tops out near 2 GiB: say so instead of failing deep inside the encoder. */
function serialize(proto: ModelProto): Uint8Array {
  try {
    return serializeModel(proto);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new StudioError(
      'UnsupportedModelError',
      `the exported model does not fit one ONNX file (protobuf's 2 GiB limit): ${e.message}`,
    );
  }
}
