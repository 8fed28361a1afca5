import { describe, expect, it } from 'vitest';
import type { BatchInfo } from '../samples';
import { batchRanges, planBatches, runDims } from './plan';

describe('planBatches', () => {
  it.each<[string, BatchInfo, number | undefined, { samplesPerRun: number; pad: boolean; runs: number }]>([
    [
      'fixed batch 1: one sample per run',
      { kind: 'fixed', size: 1 },
      32,
      { samplesPerRun: 1, pad: false, runs: 1000 },
    ],
    [
      'fixed batch 8: padded runs',
      { kind: 'fixed', size: 8 },
      undefined,
      { samplesPerRun: 8, pad: true, runs: 125 },
    ],
    [
      'dynamic: default 32',
      { kind: 'dynamic', symbol: 'N' },
      undefined,
      { samplesPerRun: 32, pad: false, runs: 32 },
    ],
    [
      'dynamic: requested 100',
      { kind: 'dynamic', symbol: null },
      100,
      { samplesPerRun: 100, pad: false, runs: 10 },
    ],
    ['no batch axis', { kind: 'none' }, 16, { samplesPerRun: 1, pad: false, runs: 1000 }],
  ])('%s', (_, batch, requested, expected) => {
    expect(planBatches(1000, batch, requested)).toEqual(expected);
  });

  it('never asks for more samples per run than there are', () => {
    expect(planBatches(5, { kind: 'dynamic', symbol: null })).toEqual({
      samplesPerRun: 5,
      pad: false,
      runs: 1,
    });
  });

  it.each([0, 1.5, -2, 100000])('rejects batch size %s', (size) => {
    expect(() => planBatches(10, { kind: 'dynamic', symbol: null }, size)).toThrow(
      expect.objectContaining({ name: 'EvaluationError', message: expect.stringContaining(`got ${size}`) }),
    );
  });

  it('splits ranges and fills the batch dim', () => {
    const plan = planBatches(10, { kind: 'dynamic', symbol: null }, 4);
    expect([...batchRanges(10, plan)]).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
    expect(runDims([-1, 1, 28, 28], { kind: 'fixed', size: 1 }, 1)).toEqual([1, 1, 28, 28]);
    expect(runDims([-1, 4], { kind: 'dynamic', symbol: 'b' }, 2)).toEqual([2, 4]);
    expect(runDims([1, 28, 28], { kind: 'none' }, 1)).toEqual([1, 28, 28]);
  });
});
