import { describe, expect, it } from 'vitest';
import { runtimeLabel } from './eval-format';

describe('runtimeLabel: where the models ran, for the results subtitle and the latency note', () => {
  it.each([
    [null, false, 'this browser'],
    [{ backend: 'wasm', threads: 1 }, true, 'onnxruntime-web wasm, 1 thread'],
    [
      { backend: 'wasm', threads: 2, threadsWhy: 'half of 4 logical cores, at most 4' },
      false,
      'onnxruntime-web wasm, 2 threads',
    ],
    [
      { backend: 'wasm', threads: 2, threadsWhy: 'half of 4 logical cores, at most 4' },
      true,
      'onnxruntime-web wasm, 2 threads (half of 4 logical cores, at most 4)',
    ],
  ])('runtimeLabel(%j, why %s)', (runtime, why, text) => {
    expect(runtimeLabel(runtime, why)).toBe(text);
  });
});
