// onnxruntime-node and onnxruntime-web (wasm, in Node) behind one small interface, for export tests.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { float16BitsToFloat32, toFloat16Array } from '../../src/core/onnx/float16';

export type Runtime = 'node' | 'web';
export type Feed =
  | { dims: number[]; data: Float32Array; type?: 'float32' | 'float16' }
  | { dims: number[]; int64: bigint[] }
  | { dims: number[]; bool: boolean[] };
export type Feeds = Record<string, Feed>;
export type Outputs = Record<string, Float32Array>;

ortWeb.env.wasm.numThreads = 1;

/**
 * Weight-only exactness: at default settings onnxruntime rewrites DequantizeLinear→MatMul into an int8-activation
 * kernel. Accuracy level 0 keeps the quantized weights but computes in float (docs/onnxruntime-formats.md, 2).
 */
export const EXACT_SESSION = {
  logSeverityLevel: 3 as const,
  extra: { session: { qdq_matmulnbits_accuracy_level: '0' } },
};

export async function runModel(
  runtime: Runtime,
  bytes: Uint8Array,
  feeds: Feeds,
  options: object = EXACT_SESSION,
): Promise<Outputs> {
  const ort = (runtime === 'node' ? ortNode : ortWeb) as typeof ortNode;
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [runtime === 'web' ? 'wasm' : 'cpu'],
    ...options,
  });
  try {
    const inputs: Record<string, ortNode.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      inputs[name] =
        'int64' in f
          ? new ort.Tensor('int64', BigInt64Array.from(f.int64), f.dims)
          : 'bool' in f
            ? new ort.Tensor('bool', Uint8Array.from(f.bool, Number), f.dims)
            : f.type === 'float16'
              ? new ort.Tensor('float16', toFloat16Array(f.data), f.dims)
              : new ort.Tensor('float32', f.data, f.dims);
    }
    const out = await session.run(inputs);
    const result: Outputs = {};
    for (const [name, t] of Object.entries(out)) result[name] = toFloat(t);
    return result;
  } finally {
    await session.release();
  }
}

function toFloat(t: ortNode.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') {
    return Float32Array.from(t.data as Uint16Array, float16BitsToFloat32);
  }
  return Float32Array.from(t.data as ArrayLike<number>, Number);
}

/** max |a−b| / max(1e-12, max |b|): the relative error measure of the export tests. */
export function relError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(1e-12, scale);
}
