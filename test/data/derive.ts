// The test models and sample sets, assembled once per checkout into a gitignored cache: the small committed files
// under test/data/models/ are linked in, and the large sample files are derived from compact sources (the MNIST
// t10k idx files + the 1,000-sample index list, the float16 squeezenet model and its two .pb inputs). The derived
// files equal the originals listed in test/data/README.md (byte for byte; .npz and .png value for value). Pure
// Node, no network. Built in a temp folder and renamed into place, so parallel test workers never see half a set.
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { encode as encodePng } from 'fast-png';
import { zipSync } from 'fflate';
import { ModelProtoSchema, TensorProtoSchema, type TensorProto } from 'onnx-buf';
import { float16BitsToFloat32 } from '../../src/core/onnx/float16';
import { buildNpy, bytesOf } from '../fixtures/samples/entries';

const FLOAT = 1;
const FLOAT16 = 10;

/** A .npy file's data bytes (any version; C order assumed, as numpy writes by default). */
function npyData(bytes: Uint8Array): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = bytes[6] === 1 ? dv.getUint16(8, true) + 10 : dv.getUint32(8, true) + 12;
  return new Uint8Array(bytes.subarray(headerLen)); // a copy: Buffer.slice would be a view
}

/** An uncompressed idx file (MNIST): big-endian dims after the magic, then uint8 data. */
function idxData(gz: Uint8Array): { dims: number[]; data: Uint8Array } {
  const b = gunzipSync(gz);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const rank = b[3];
  const dims = Array.from({ length: rank }, (_, i) => dv.getUint32(4 + 4 * i, false));
  return { dims, data: b.subarray(4 + 4 * rank) };
}

/** Float16 tensor values as float32 (raw_data or the int32_data field, which holds the half bits). */
function halfTensorToFloat(t: TensorProto): Float32Array<ArrayBuffer> {
  const bits =
    t.rawData.length > 0 ? new Uint16Array(new Uint8Array(t.rawData).buffer) : Uint16Array.from(t.int32Data);
  return Float32Array.from(bits, float16BitsToFloat32);
}

const npyF4 = (shape: number[], data: Float32Array) => buildNpy('<f4', shape, bytesOf(data));
const npyI8 = (data: ArrayLike<number>) =>
  buildNpy('<i8', [data.length], bytesOf(BigInt64Array.from(Array.from(data), BigInt)));
/** numpy.savez_compressed layout: one deflated member per array, DOS epoch timestamps. */
const npz = (members: Record<string, Uint8Array>) =>
  zipSync(Object.fromEntries(Object.entries(members).map(([k, v]) => [k, [v, { level: 6 }]])), {
    mtime: new Date(1980, 0, 1),
  });

/** Python's json.dump(indent=2) of the first samples: integers in "input" print as floats (0.0). */
function samplesJson(
  meta: Record<string, unknown>,
  samples: { label: number; input: number[][][] }[],
): string {
  const text = JSON.stringify({ ...meta, samples }, null, 2);
  const at = text.indexOf('"samples": [');
  return text.slice(0, at) + text.slice(at).replace(/^(\s+)(-?\d+)(,?)$/gm, '$1$2.0$3') + '\n';
}

/** The mnist-8 and mnist-onnx-mlir sample folders from the t10k idx files and the index list. */
function deriveMnist(src: string, out: string): void {
  const images = idxData(readFileSync(join(src, 'mnist-8/mnist_t10k/t10k-images-idx3-ubyte.gz')));
  const labels10k = idxData(readFileSync(join(src, 'mnist-8/mnist_t10k/t10k-labels-idx1-ubyte.gz'))).data;
  const index = new BigInt64Array(
    npyData(readFileSync(join(src, 'mnist-8/samples/test_split_indices.npy'))).buffer,
  );
  const n = index.length;
  const px = 28 * 28;
  const raw = new Float32Array(n * px);
  const labels = new Int32Array(n);
  const png = join(out, 'mnist-8/samples/png');
  const csv = ['filename,label'];
  for (let i = 0; i < n; i++) {
    const k = Number(index[i]);
    const pixels = images.data.subarray(k * px, (k + 1) * px);
    raw.set(pixels, i * px);
    labels[i] = labels10k[k];
    const name = `${labels[i]}/${String(i).padStart(4, '0')}.png`;
    mkdirSync(join(png, String(labels[i])), { recursive: true });
    writeFileSync(join(png, name), encodePng({ width: 28, height: 28, data: pixels, channels: 1, depth: 8 }));
    csv.push(`${name},${labels[i]}`);
  }
  writeFileSync(join(png, 'labels.csv'), csv.join('\n') + '\n');
  writeFileSync(join(png, 'classes.txt'), Array.from({ length: 10 }, (_, d) => d).join('\n') + '\n');

  // mnist-onnx-mlir's training normalization in float32 as numpy does on a float32 array (constants cast too).
  const [mean, std] = [Math.fround(0.1307), Math.fround(0.3081)];
  const normalized = Float32Array.from(raw, (p) =>
    Math.fround(Math.fround(Math.fround(p / 255) - mean) / std),
  );
  const labelsNpy = npyI8(labels);
  for (const [dir, inputs] of [
    ['mnist-8', raw],
    ['mnist-onnx-mlir', normalized],
  ] as const) {
    const inputsNpy = npyF4([n, 1, 28, 28], inputs);
    const d = join(out, dir, 'samples');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'inputs.npy'), inputsNpy);
    writeFileSync(join(d, 'labels.npy'), labelsNpy);
    writeFileSync(join(d, 'samples.npz'), npz({ 'inputs.npy': inputsNpy, 'labels.npy': labelsNpy }));
  }
  const first = Array.from({ length: 10 }, (_, i) => ({
    label: labels[i],
    input: [
      Array.from({ length: 28 }, (_, r) => Array.from(raw.subarray(i * px + r * 28, i * px + r * 28 + 28))),
    ],
  }));
  const meta = {
    description: `First 10 of the ${n}-image MNIST test subset (model-ready: raw 0..255 floats)`,
    input_name: 'Input3',
    input_shape_per_sample: [1, 28, 28],
    dtype: 'float32',
    class_names: Array.from({ length: 10 }, (_, d) => String(d)),
  };
  writeFileSync(join(out, 'mnist-8/samples/samples.json'), samplesJson(meta, first));
}

/** The float32 squeezenet (every float16 initializer, input, output and value_info cast up) and its inputs as npy. */
function deriveSqueezenet(src: string, out: string): void {
  const dir = 'squeezenet1.0-fp16-winml';
  const model = fromBinary(ModelProtoSchema, readFileSync(join(src, dir, 'model_fp16.onnx')));
  const graph = model.graph!;
  for (const t of graph.initializer) {
    if (t.dataType !== FLOAT16) continue;
    const values = halfTensorToFloat(t);
    t.dataType = FLOAT;
    t.int32Data = [];
    t.rawData = new Uint8Array(values.buffer);
  }
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) {
    const tt = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    if (tt?.elemType === FLOAT16) tt.elemType = FLOAT;
  }
  writeFileSync(join(out, dir, 'model_fp32_converted.onnx'), toBinary(ModelProtoSchema, model));

  const inputs = [0, 1].map((i) =>
    halfTensorToFloat(
      fromBinary(TensorProtoSchema, readFileSync(join(src, dir, `samples/test_data_set_${i}/input_0.pb`))),
    ),
  );
  const all = new Float32Array(inputs.reduce((a, x) => a + x.length, 0));
  inputs.reduce((at, x) => (all.set(x, at), at + x.length), 0);
  writeFileSync(join(out, dir, 'samples/inputs_fp32_bgr255.npy'), npyF4([2, 3, 224, 224], all));
}

/** Every committed file under `src`, hard-linked (or copied) to the same relative path under `out`. */
function linkCommitted(src: string, out: string): void {
  for (const d of readdirSync(src, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const from = join(d.parentPath, d.name);
    const to = join(out, relative(src, from));
    mkdirSync(dirname(to), { recursive: true });
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
}

/** Key of the committed inputs and this script: a change to either builds a fresh set. */
function cacheKey(src: string): string {
  const h = createHash('sha256').update(readFileSync(new URL(import.meta.url)));
  const files = readdirSync(src, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name))
    .sort();
  for (const f of files) h.update(relative(src, f)).update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/**
 * The folder holding every test model and sample set in the layout of test/data/models/ plus the derived files;
 * builds it on first use (about a second) under `cacheRoot`.
 */
export function ensureTestModels(src: string, cacheRoot: string): string {
  const key = cacheKey(src);
  const ready = join(cacheRoot, `models-${key}`);
  if (existsSync(ready)) return ready;
  const tmp = join(cacheRoot, `tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    linkCommitted(src, tmp);
    deriveMnist(src, tmp);
    deriveSqueezenet(src, tmp);
    renameSync(tmp, ready);
    for (const stale of readdirSync(cacheRoot).filter(
      (d) => d.startsWith('models-') && join(cacheRoot, d) !== ready,
    ))
      rmSync(join(cacheRoot, stale), { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(ready)) throw e; // another worker won the rename race: its set is the same
  }
  return ready;
}
