// ONNX test-data folders (`test_data_set_N/input_0.pb` + optional `output_0.pb`), the layout of the ONNX
// model zoo and onnxruntime's onnx_test_runner. Each input may hold a batch; sets are concatenated in order.
import { fromBinary } from '@bufbuild/protobuf';
import { TensorProtoSchema } from 'onnx-buf';
import { inlineTensorToFloat32, tensorDims } from '../onnx/tensor';
import { baseName, dirName, formatCount, naturalCompare, readAll, sampleSetError } from './paths';
import type { SampleEntry, TensorSampleSet } from './types';

const PB_NAME = /^(input|output)_(\d+)\.pb$/i;
export const isTestDataPb = (p: string): boolean => PB_NAME.test(baseName(p));

/** One TensorProto file as float32 values + dims; every failure names the file. */
export async function readTensorPb(entry: SampleEntry): Promise<{ data: Float32Array; dims: number[] }> {
  const bytes = await readAll(entry);
  try {
    const t = fromBinary(TensorProtoSchema, bytes);
    if (t.dims.length === 0 && t.rawData.length === 0 && t.floatData.length === 0) {
      throw new Error('no dims and no data');
    }
    return { data: inlineTensorToFloat32(t), dims: tensorDims(t) };
  } catch (e) {
    throw sampleSetError(
      `${entry.path}: not a readable ONNX TensorProto (${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
}

// Rank >= 2: axis 0 is the batch. Rank 0/1: one sample (a model without a batch axis).
const split = (dims: number[]): { n: number; rest: number[] } =>
  dims.length >= 2 ? { n: dims[0], rest: dims.slice(1) } : { n: 1, rest: dims };

const sameDims = (a: number[], b: number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export async function readOnnxTestData(entries: SampleEntry[]): Promise<TensorSampleSet> {
  const pbs = entries.filter((e) => isTestDataPb(e.path));
  const dirs = [...new Set(pbs.map((e) => dirName(e.path)))].sort(naturalCompare);
  if (dirs.length === 0)
    throw sampleSetError('no ONNX test data found (expected test_data_set_N/input_0.pb)');
  const inputs: Float32Array[] = [];
  const outputs: Float32Array[] = [];
  let sampleDims: number[] | null = null;
  let outDims: number[] | null = null;
  let missingOutputs = 0;
  let count = 0;
  const where = (d: string) => (d === '' ? '' : `${d}/`);

  for (const dir of dirs) {
    const inDir = pbs.filter((e) => dirName(e.path) === dir);
    const pick = (kind: string, i: number) =>
      inDir.find((e) => baseName(e.path).toLowerCase() === `${kind}_${i}.pb`);
    const input = pick('input', 0);
    if (!input)
      throw sampleSetError(
        `${where(dir)}: no input_0.pb (found ${inDir.map((e) => baseName(e.path)).join(', ')})`,
      );
    if (pick('input', 1)) {
      throw sampleSetError(
        `${where(dir)}input_1.pb: models with several inputs are not supported (expected only input_0.pb)`,
      );
    }
    const x = await readTensorPb(input);
    const { n, rest } = split(x.dims);
    sampleDims ??= rest;
    if (!sameDims(rest, sampleDims)) {
      throw sampleSetError(
        `${input.path}: per-sample shape [${rest.join(',')}] differs from [${sampleDims.join(',')}] in the first test data set`,
      );
    }
    inputs.push(x.data);
    count += n;
    const output = pick('output', 0);
    if (!output) {
      missingOutputs++;
      continue;
    }
    const y = await readTensorPb(output);
    const ys = split(y.dims);
    if (ys.n !== n)
      throw sampleSetError(`${output.path} holds ${ys.n} outputs but ${input.path} holds ${n} inputs`);
    outDims ??= ys.rest;
    if (!sameDims(ys.rest, outDims))
      throw sampleSetError(`${output.path}: output shape [${y.dims.join(',')}] differs from the first set's`);
    outputs.push(y.data);
  }
  const notes = [`${formatCount(count)} sample(s) from ${dirs.length} test data set(s)`];
  if (missingOutputs > 0 && outputs.length > 0)
    notes.push(`${missingOutputs} set(s) have no output_0.pb: reference outputs not used`);
  return {
    kind: 'tensor',
    source: 'onnx-test-data',
    sourceName: dirs.length === 1 ? `${where(dirs[0])}input_0.pb` : `${dirs.length} test_data_set folders`,
    count,
    inputs: concat(inputs),
    sampleDims: sampleDims ?? [],
    labels: null,
    classes: null,
    referenceOutputs: missingOutputs === 0 && outDims ? { data: concat(outputs), sampleDims: outDims } : null,
    notes,
    tabular: null,
  };
}

function concat(parts: Float32Array[]): Float32Array {
  if (parts.length === 1) return parts[0];
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
