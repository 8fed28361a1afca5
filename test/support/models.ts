// The real test models (test/data/README.md) and deterministic inputs for them.
import { readFileSync } from 'node:fs';
import { testModel } from '../paths';
import type { Feeds } from './ort';

export interface TestModelCase {
  id: string;
  path: string;
  feeds: () => Feeds;
}

/** xorshift32: a fixed stream of numbers, so every run feeds the same inputs. */
export function prng(seed = 1234): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

const fill = (n: number, lo: number, hi: number, seed: number) => {
  const r = prng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
};

export const TEST_MODELS: TestModelCase[] = [
  {
    id: 'mnist-8',
    path: testModel('mnist-8/model.onnx'),
    feeds: () => ({ Input3: { dims: [1, 1, 28, 28], data: fill(784, 0, 255, 1) } }),
  },
  {
    id: 'mnist-onnx-mlir',
    path: testModel('mnist-onnx-mlir/model.onnx'),
    feeds: () => ({ image: { dims: [1, 1, 28, 28], data: fill(784, -0.4, 2.8, 2) } }),
  },
  {
    id: 'iris-mlp-winml',
    path: testModel('iris-mlp-winml/model.onnx'),
    feeds: () => ({ input: { dims: [5, 4], data: fill(20, 0.1, 8, 3) } }),
  },
  {
    id: 'squeezenet-fp32',
    path: testModel('squeezenet1.0-fp16-winml/model_fp32_converted.onnx'),
    feeds: () => ({ data_0: { dims: [1, 3, 224, 224], data: fill(3 * 224 * 224, 0, 255, 4) } }),
  },
  {
    id: 'squeezenet-fp16',
    path: testModel('squeezenet1.0-fp16-winml/model_fp16.onnx'),
    feeds: () => ({
      data_0: { dims: [1, 3, 224, 224], data: fill(3 * 224 * 224, 0, 255, 4), type: 'float16' },
    }),
  },
];

export const readModelBytes = (path: string) => new Uint8Array(readFileSync(path));
