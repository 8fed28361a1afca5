// Benchmarks only: run a model over a sample folder (eval-sets.ts layout) in onnxruntime-node, keeping each sample's
// top-1 class and every output score.
import * as ort from 'onnxruntime-node';
import { npyToFloat32 } from '../../src/core/samples/npy';
import { readSet } from './eval-sets';

export interface Samples {
  count: number;
  labels: Int32Array;
  arrays: { name: string; shape: number[]; data: Float32Array | BigInt64Array }[];
}

export function loadSamples(dir: string): Samples {
  const set = readSet(dir);
  const arrays = set.inputs.map((a) => ({
    name: a.name,
    shape: a.shape,
    // int64 arrays (token ids, masks) stay int64; pixels of any type become float32 as the models take them.
    data:
      a.dtype === '<i8'
        ? new BigInt64Array(a.data.buffer, a.data.byteOffset, a.data.byteLength / 8)
        : npyToFloat32(a),
  }));
  return { count: set.count, labels: set.labels, arrays };
}

export type Prediction = Int32Array & { scores: Float32Array };

/** Top-1 class per sample and all scores of the first output; `batch1` runs one sample at a time. */
export async function predict(bytes: Uint8Array, s: Samples, batch1: boolean): Promise<Prediction> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const n = s.count;
  const out = new Int32Array(n) as Prediction;
  const scores: Float32Array[] = [];
  const run = async (start: number, count: number) => {
    const feeds: Record<string, ort.Tensor> = {};
    for (const a of s.arrays) {
      const per = a.data.length / n;
      const shape = [count, ...a.shape.slice(1)];
      const name = a.name === 'inputs' ? session.inputNames[0] : a.name;
      const part = a.data.slice(start * per, (start + count) * per);
      feeds[name] =
        part instanceof BigInt64Array
          ? new ort.Tensor('int64', part, shape)
          : new ort.Tensor('float32', part, shape);
    }
    const r = await session.run(feeds);
    const y = r[session.outputNames[0]].data as Float32Array;
    const k = y.length / count;
    scores.push(y.slice());
    for (let i = 0; i < count; i++) {
      let at = 0;
      for (let j = 1; j < k; j++) if (y[i * k + j] > y[i * k + at]) at = j;
      out[start + i] = at;
    }
  };
  const step = batch1 ? 1 : 1000;
  for (let i = 0; i < n; i += step) await run(i, Math.min(step, n - i));
  await session.release();
  out.scores = new Float32Array(scores.reduce((a, y) => a + y.length, 0));
  scores.reduce((at, y) => (out.scores.set(y, at), at + y.length), 0);
  return out;
}

/** Top-1 accuracy and agreement with `float` in %, output SQNR vs float in dB (over every score of every sample). */
export function scoreAgainst(p: Prediction, float: Prediction, labels: ArrayLike<number>) {
  let ok = 0;
  let agree = 0;
  let sig = 0;
  let err = 0;
  p.forEach((v, i) => {
    ok += v === labels[i] ? 1 : 0;
    agree += v === float[i] ? 1 : 0;
  });
  float.scores.forEach((f, i) => {
    sig += f * f;
    err += (f - p.scores[i]) ** 2;
  });
  return {
    acc: (100 * ok) / p.length,
    agree: (100 * agree) / p.length,
    sqnr: err > 0 ? 10 * Math.log10(sig / err) : Infinity,
  };
}
