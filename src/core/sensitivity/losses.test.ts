import { describe, expect, it } from 'vitest';
import { defaultQuantConfig } from '../quant/config';
import { measuredLossFromSensitivity } from './losses';
import { rankLayers } from './run';
import type { SensitivityReport } from './types';

const row = (name: string, score: number, weightSqnrDb: number) => ({
  name,
  op: 'MatMul',
  elements: 4,
  kl: score,
  top1Agreement: 1,
  top1Delta: null,
  outputSqnrDb: 30,
  weightSqnrDb,
  score,
});

describe('rankLayers', () => {
  it('orders by measured score (largest first, stable on ties) and gives the proxy rank (lowest SQNR first)', () => {
    const ranked = rankLayers([row('a', 0.1, 20), row('b', 0.5, 30), row('c', 0.1, 10)]);
    expect(ranked.map((l) => [l.name, l.rank, l.proxyRank])).toEqual([
      ['b', 1, 3],
      ['a', 2, 2],
      ['c', 3, 1],
    ]);
  });
});

const report = (bits: 2 | 4, layers: [string, number][]): SensitivityReport => ({
  spec: { ...defaultQuantConfig, bits },
  metric: 'kl',
  layers: rankLayers(layers.map(([n, s]) => row(n, s, 10))),
  skipped: [],
  spearman: null,
  sampleCount: 8,
  sourceName: 'x',
  synthetic: false,
  labeled: false,
  floatTop1: null,
  notes: [],
  durationMs: 0,
});

describe('measuredLossFromSensitivity', () => {
  it("gives the solver each layer's measured score per width", () => {
    const loss = measuredLossFromSensitivity([
      report(4, [
        ['a', 0.01],
        ['b', 0.2],
      ]),
      report(2, [
        ['a', 0.5],
        ['b', 3],
      ]),
    ]);
    expect(loss).toEqual({ a: { 4: 0.01, 2: 0.5 }, b: { 4: 0.2, 2: 3 } });
  });

  it('refuses reports on different scales', () => {
    const nsr = { ...report(4, [['a', 1]]), metric: 'output-nsr' as const };
    expect(() => measuredLossFromSensitivity([report(2, [['a', 1]]), nsr])).toThrow(/mix/);
  });
});

describe('measuredLossFromSensitivity refuses reduced measurements', () => {
  it.each([
    {
      name: 'grouped by block',
      r: {
        ...report(4, [['blk', 0.1]]),
        layers: [{ ...report(4, [['blk', 0.1]]).layers[0], members: ['a', 'b'] }],
      },
      err: /grouped by block/,
    },
    { name: 'a sample', r: { ...report(4, [['a', 0.1]]), measuredLayers: 3 }, err: /1 of 3 layers/ },
  ])('$name', ({ r, err }) => expect(() => measuredLossFromSensitivity([r])).toThrow(err));
});
