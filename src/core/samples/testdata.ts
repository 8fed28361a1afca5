// ONNX test-data folders (`test_data_set_N/input_0.pb` + optional `output_0.pb`), the layout of the ONNX
// model zoo and onnxruntime's onnx_test_runner. Each input may hold a batch; sets are concatenated in order.
import { fromBinary } from '@bufbuild/protobuf';
import { TensorProtoSchema } from 'onnx-buf';
import { inlineTensorToFloat32, inlineTensorToInt64, tensorDims, tensorDtype } from '../onnx/tensor';
import { toFloat32Values } from './arrays';
import { baseName, dirName, formatCount, naturalCompare, readAll, sampleSetError } from './paths';
import type { SampleArray, SampleEntry, TensorSampleSet } from './types';

const PB_NAME = /^(input|output)_(\d+)\.pb$/i;
export const isTestDataPb = (p: string): boolean => PB_NAME.test(baseName(p));

/** One TensorProto file as values (float32 for floats, exact float64 for integers) + dims + name; failures name the file. */
export async function readTensorPb(entry: SampleEntry): Promise<{
  data: Float32Array;
  values: Float32Array | Float64Array;
  dims: number[];
  name: string;
  dtype: string;
}> {
  const bytes = await readAll(entry);
  try {
    const t = fromBinary(TensorProtoSchema, bytes);
    if (t.dims.length === 0 && t.rawData.length === 0 && t.floatData.length === 0) {
      if (t.int64Data.length === 0 && t.int32Data.length === 0) throw new Error('no dims and no data');
    }
    const dtype = tensorDtype(t);
    const data = inlineTensorToFloat32(t);
    const values = isFloatDtype(dtype) ? data : Float64Array.from(inlineTensorToInt64(t), Number);
    return { data, values, dims: tensorDims(t), name: t.name, dtype };
  } catch (e) {
    throw sampleSetError(
      `${entry.path}: not a readable ONNX TensorProto (${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
}

const isFloatDtype = (d: string) => d === 'float32' || d === 'float16' || d === 'float64' || d === 'bfloat16';

// Rank >= 2: axis 0 is the batch. Rank 0/1: one sample (a model without a batch axis).
const split = (dims: number[]): { n: number; rest: number[] } =>
  dims.length >= 2 ? { n: dims[0], rest: dims.slice(1) } : { n: 1, rest: dims };

const sameDims = (a: number[], b: number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Per input index k: the name, dtype and per-sample dims fixed by the first set, and the parts read so far. */
interface InputColumn {
  name: string | null;
  dtype: string;
  sampleDims: number[];
  parts: (Float32Array | Float64Array)[];
  first: string;
}

/**
 * `test_data_set_N/input_k.pb` for k = 0..K-1 (one per model input; matched by the tensor names, else by order)
 * and optional `output_0.pb`. Every set must hold the same inputs with the same per-sample shapes.
 */
export async function readOnnxTestData(entries: SampleEntry[]): Promise<TensorSampleSet> {
  const pbs = entries.filter((e) => isTestDataPb(e.path));
  const dirs = [...new Set(pbs.map((e) => dirName(e.path)))].sort(naturalCompare);
  if (dirs.length === 0)
    throw sampleSetError('no ONNX test data found (expected test_data_set_N/input_0.pb)');
  let columns: InputColumn[] | null = null;
  const outputs: Float32Array[] = [];
  let outDims: number[] | null = null;
  let missingOutputs = 0;
  let count = 0;
  const where = (d: string) => (d === '' ? '' : `${d}/`);

  for (const dir of dirs) {
    const inDir = pbs.filter((e) => dirName(e.path) === dir);
    const pick = (kind: string, i: number) =>
      inDir.find((e) => baseName(e.path).toLowerCase() === `${kind}_${i}.pb`);
    const inputs: SampleEntry[] = [];
    for (let k = 0; pick('input', k); k++) inputs.push(pick('input', k) as SampleEntry);
    if (inputs.length === 0)
      throw sampleSetError(
        `${where(dir)}: no input_0.pb (found ${inDir.map((e) => baseName(e.path)).join(', ')})`,
      );
    if (columns && inputs.length !== columns.length) {
      throw sampleSetError(
        `${where(dir)}: ${inputs.length} input_k.pb file(s), the first test data set has ${columns.length}`,
      );
    }
    let n = -1;
    const cols: InputColumn[] = columns ?? [];
    for (let k = 0; k < inputs.length; k++) {
      const x = await readTensorPb(inputs[k]);
      const s = split(x.dims);
      if (n >= 0 && s.n !== n) {
        throw sampleSetError(`${inputs[k].path} holds ${s.n} samples but ${inputs[0].path} holds ${n}`);
      }
      n = s.n;
      if (!columns)
        cols.push({
          name: x.name || null,
          dtype: x.dtype,
          sampleDims: s.rest,
          parts: [],
          first: inputs[k].path,
        });
      const c = cols[k];
      if (!sameDims(s.rest, c.sampleDims)) {
        throw sampleSetError(
          `${inputs[k].path}: per-sample shape [${s.rest.join(',')}] differs from [${c.sampleDims.join(',')}] in ${c.first}`,
        );
      }
      c.parts.push(x.values);
    }
    columns = cols;
    count += n;
    const output = pick('output', 0);
    if (!output) {
      missingOutputs++;
      continue;
    }
    const y = await readTensorPb(output);
    const ys = split(y.dims);
    if (ys.n !== n)
      throw sampleSetError(`${output.path} holds ${ys.n} outputs but ${inputs[0].path} holds ${n} inputs`);
    outDims ??= ys.rest;
    if (!sameDims(ys.rest, outDims))
      throw sampleSetError(`${output.path}: output shape [${y.dims.join(',')}] differs from the first set's`);
    outputs.push(y.data);
  }
  const cols = columns ?? [];
  const arrays: SampleArray[] = cols.map((c, k) => ({
    name: c.name,
    dtype: c.dtype,
    sampleDims: c.sampleDims,
    values: concat(c.parts),
    source: `input_${k}.pb`,
  }));
  const notes = [`${formatCount(count)} sample(s) from ${dirs.length} test data set(s)`];
  if (arrays.length > 1)
    notes.push(
      `${arrays.length} inputs per sample (${arrays.map((a, k) => a.name ?? `input_${k}`).join(', ')}): matched to the model's inputs by tensor name, else in order`,
    );
  if (missingOutputs > 0 && outputs.length > 0)
    notes.push(`${missingOutputs} set(s) have no output_0.pb: reference outputs not used`);
  const first = arrays[0];
  return {
    kind: 'tensor',
    source: 'onnx-test-data',
    sourceName: dirs.length === 1 ? `${where(dirs[0])}input_0.pb` : `${dirs.length} test_data_set folders`,
    count,
    inputs: first ? toFloat32Values(first.values) : new Float32Array(0),
    sampleDims: first?.sampleDims ?? [],
    labels: null,
    classes: null,
    referenceOutputs:
      missingOutputs === 0 && outDims ? { data: concat(outputs) as Float32Array, sampleDims: outDims } : null,
    notes,
    tabular: null,
    arrays,
  };
}

function concat<T extends Float32Array | Float64Array>(parts: T[]): T {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((n, p) => n + p.length, 0);
  const out = (
    parts.some((p) => p instanceof Float64Array) ? new Float64Array(total) : new Float32Array(total)
  ) as T;
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
