import { describe, expect, it } from 'vitest';
import { MAX_WASM_THREADS, wasmThreads } from './ort-backend';

describe('wasmThreads: how many onnxruntime-web threads the evaluate worker asks for', () => {
  it.each([
    // isolated, logical cores, threads, why
    [false, 16, 1, 'page not cross-origin isolated'],
    [false, 1, 1, 'page not cross-origin isolated'],
    [true, 1, 1, 'half of 1 logical core, at most 4'],
    [true, 2, 1, 'half of 2 logical cores, at most 4'],
    [true, 3, 2, 'half of 3 logical cores, at most 4'],
    [true, 8, 4, 'half of 8 logical cores, at most 4'],
    [true, 64, MAX_WASM_THREADS, 'half of 64 logical cores, at most 4'],
    [true, 0, 1, 'half of 1 logical core, at most 4'], // hardwareConcurrency unknown
    [true, Number.NaN, 1, 'half of 1 logical core, at most 4'],
  ])('isolated %s, %s cores → %s thread(s)', (isolated, cores, threads, why) => {
    expect(wasmThreads(isolated, cores)).toEqual({ threads, why });
  });
});
