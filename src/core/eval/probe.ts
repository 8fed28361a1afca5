// The synthetic probe: a few deterministic inputs made from the model's input shapes and dtypes, for users with no
// sample set. Images lie in the preprocessing's range, token ids below the embedding table's row count, masks are
// all ones. Every number it gives is output fidelity to the float model on made-up data, and is labelled so.
import type { OnnxModel } from '../onnx/types';
import { valueInfoDto } from '../onnx/summary';
import { tensorDims } from '../onnx/tensor';
import { inferPreprocessOptions, type PreprocessOptions, type TensorSampleSet } from '../samples';
import { isStateInput } from './feeds';
import type { TensorSpec } from './types';
import { seededRandom } from '../random';

export const PROBE_SAMPLES = 8;
export const PROBE_SEED = 1;
/** Length used for a dynamic non-batch dim (sequence length, feature count) the model leaves open. */
export const PROBE_LENGTH = 16;
/** Token ids are drawn below this when no embedding table tells the vocabulary size. */
export const PROBE_VOCAB = 1000;

export interface ProbeOptions {
  samples?: number;
  seed?: number;
  /** Image inputs: the user's preprocessing (else inferred from the input shape). */
  preprocess?: PreprocessOptions | null;
  /** Integer inputs: the vocabulary size per input name (from `tokenVocabularies`). */
  vocab?: Readonly<Record<string, number>>;
}

// Its inputs are the same on every machine and run (re-exported for index.ts and the tests).
export { seededRandom };

const fixed = (d: number | string | null): d is number => typeof d === 'number' && d > 0;
const isFloat = (d: string) => d === 'float32' || d === 'float16' || d === 'float64';

/** Image-like: rank 4 with 1 or 3 channels first or last. */
function imageLike(shape: readonly (number | string | null)[]): boolean {
  if (shape.length !== 4) return false;
  return [1, 3].includes(shape[1] as number) || [1, 3].includes(shape[3] as number);
}

/** Row counts of Gather tables (embeddings) indexed directly, or through Cast/Unsqueeze/Reshape, by a graph input. */
export function tokenVocabularies(model: OnnxModel): Record<string, number> {
  const g = model.proto.graph;
  if (!g) return {};
  const inits = new Map(g.initializer.map((t) => [t.name, t]));
  const inputs = new Set(g.input.map((v) => v.name).filter((n) => !inits.has(n)));
  const producer = new Map<string, (typeof g.node)[number]>();
  for (const n of g.node) for (const o of n.output) producer.set(o, n);
  const rootInput = (name: string): string | null => {
    for (let depth = 0; depth < 8; depth++) {
      if (inputs.has(name)) return name;
      const p = producer.get(name);
      if (!p || !['Cast', 'Unsqueeze', 'Reshape', 'Squeeze', 'Flatten', 'Identity'].includes(p.opType))
        return null;
      name = p.input[0];
    }
    return null;
  };
  const out: Record<string, number> = {};
  for (const n of g.node) {
    if (n.opType !== 'Gather') continue;
    const table = inits.get(n.input[0]);
    const root = rootInput(n.input[1] ?? '');
    const axis = Number(n.attribute.find((a) => a.name === 'axis')?.i ?? 0n);
    if (!table || !root || axis !== 0) continue;
    const rows = tensorDims(table)[0];
    out[root] = Math.min(out[root] ?? Infinity, rows);
  }
  return out;
}

interface Made {
  values: Float32Array | Float64Array;
  how: string;
}

function makeValues(
  input: TensorSpec,
  sampleDims: number[],
  count: number,
  rand: () => number,
  o: ProbeOptions,
): Made {
  const size = sampleDims.reduce((a, b) => a * b, 1);
  const total = size * count;
  const name = input.name;
  if (isFloat(input.dtype) && imageLike(input.shape)) {
    const pre = o.preprocess ?? inferPreprocessOptions(input.shape);
    const nchw = pre.layout === 'NCHW';
    const c = nchw ? sampleDims[0] : sampleDims[2];
    const h = nchw ? sampleDims[1] : sampleDims[0];
    const w = nchw ? sampleDims[2] : sampleDims[1];
    const out = new Float32Array(total);
    for (let s = 0; s < count; s++) {
      // Smooth shapes plus a little noise: closer to photos than white noise, different per sample.
      const fx = 1 + rand() * 6;
      const fy = 1 + rand() * 6;
      for (let k = 0; k < c; k++) {
        const phase = rand() * 2 * Math.PI;
        const mean = pre.mean[pre.mean.length === 1 ? 0 : k] ?? 0;
        const std = pre.std[pre.std.length === 1 ? 0 : k] ?? 1;
        for (let y = 0; y < h; y++) {
          for (let x = 0; x < w; x++) {
            const wave = Math.sin(((fx * x) / w) * Math.PI + ((fy * y) / h) * Math.PI + phase);
            const pixel = Math.round(Math.min(255, Math.max(0, 127.5 + 100 * wave + (rand() - 0.5) * 40)));
            const v = pre.range === '0..1' ? pixel / 255 : pixel;
            const at = nchw ? (k * h + y) * w + x : (y * w + x) * c + k;
            out[s * size + at] = (v - mean) / std;
          }
        }
      }
    }
    return {
      values: out,
      how: `smooth image patterns, pixels 0..255 scaled to range ${pre.range}${pre.mean.some((m) => m !== 0) || pre.std.some((d) => d !== 1) ? ' with the mean/std' : ''}`,
    };
  }
  if (isFloat(input.dtype)) {
    const out = new Float32Array(total);
    for (let i = 0; i < total; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - rand()));
      const t = 2 * Math.PI * rand();
      out[i] = r * Math.cos(t);
      if (i + 1 < total) out[i + 1] = r * Math.sin(t);
    }
    return { values: out, how: 'standard normal values N(0, 1)' };
  }
  if (/mask/i.test(name))
    return { values: new Float64Array(total).fill(1), how: 'all ones (nothing masked)' };
  if (/type|segment/i.test(name)) return { values: new Float64Array(total), how: 'zeros (one segment)' };
  if (/position/i.test(name)) {
    const last = sampleDims[sampleDims.length - 1] ?? 1;
    return { values: Float64Array.from({ length: total }, (_, i) => i % last), how: 'positions 0..n−1' };
  }
  if (input.dtype === 'bool')
    return {
      values: Float64Array.from({ length: total }, () => (rand() < 0.5 ? 0 : 1)),
      how: 'random true/false',
    };
  const vocab =
    o.vocab?.[name] ?? (input.dtype === 'uint8' ? 256 : input.dtype === 'int8' ? 128 : PROBE_VOCAB);
  const from = o.vocab?.[name] ? 'the embedding table has' : 'no embedding table found: assumed';
  return {
    values: Float64Array.from({ length: total }, () => Math.floor(rand() * vocab)),
    how: `token ids uniform in 0..${vocab - 1} (${from} ${vocab} rows)`,
  };
}

/**
 * A tensor sample set of `samples` made-up inputs, one array per model input (recurrent state inputs are left out:
 * the evaluator feeds them zeros). Dims the model leaves open: the batch axis is the sample axis, image sides come
 * from the preprocessing, other open dims are PROBE_LENGTH. No labels: fidelity only.
 */
export function createProbeSet(inputs: readonly TensorSpec[], options: ProbeOptions = {}): TensorSampleSet {
  const count = options.samples ?? PROBE_SAMPLES;
  const seed = options.seed ?? PROBE_SEED;
  const notes: string[] = [
    `synthetic probe: ${count} made-up inputs (seed ${seed}) from the model's input shapes, not your data — output fidelity to the float model only, no accuracy`,
  ];
  const arrays = inputs
    .filter((i) => !isStateInput(i.name))
    .map((input, k) => {
      const rest = input.shape.length >= 2 ? input.shape.slice(1) : input.shape;
      const pre = imageLike(input.shape) ? (options.preprocess ?? inferPreprocessOptions(input.shape)) : null;
      const opened: string[] = [];
      const sampleDims = rest.map((d, j) => {
        if (fixed(d)) return d;
        const full = input.shape.length >= 2 ? j + 1 : j;
        const side =
          pre && input.shape.length === 4
            ? pre.layout === 'NCHW'
              ? [0, 0, pre.height, pre.width][full]
              : [0, pre.height, pre.width, 0][full]
            : 0;
        const v = side || PROBE_LENGTH;
        opened.push(`${typeof d === 'string' ? d : `dim ${full}`} = ${v}`);
        return v;
      });
      const made = makeValues(input, sampleDims, count, seededRandom(seed + 7919 * (k + 1)), options);
      notes.push(
        `input '${input.name}' ${input.dtype} [${sampleDims.join(',')}] per sample: ${made.how}${opened.length ? `; open dims set to ${opened.join(', ')}` : ''}`,
      );
      return {
        name: input.name,
        dtype: input.dtype,
        sampleDims,
        values: made.values,
        source: 'synthetic probe',
      };
    });
  const first = arrays[0];
  return {
    kind: 'tensor',
    source: 'synthetic',
    sourceName: `synthetic probe (${count} samples)`,
    count,
    inputs: first ? Float32Array.from(first.values) : new Float32Array(0),
    sampleDims: first?.sampleDims ?? [],
    labels: null,
    classes: null,
    referenceOutputs: null,
    tabular: null,
    arrays,
    notes,
  };
}

/** The probe for a parsed model: its graph inputs (initializers excluded) and its embedding tables' sizes. */
export function probeSetForModel(
  model: OnnxModel,
  options: Omit<ProbeOptions, 'vocab'> = {},
): TensorSampleSet {
  const g = model.proto.graph;
  const inits = new Set(g?.initializer.map((t) => t.name) ?? []);
  const inputs = (g?.input ?? []).filter((v) => !inits.has(v.name)).map(valueInfoDto);
  return createProbeSet(inputs, { ...options, vocab: tokenVocabularies(model) });
}
