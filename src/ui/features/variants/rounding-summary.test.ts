import { describe, expect, it } from 'vitest';
import type { LayerResult } from '../../../protocol/dto';
import type { RoundingMethod } from '../../../core/gptq/result';
import { roundingSummary } from './rounding-summary';

const layer = (
  name: string,
  requested: RoundingMethod,
  used: RoundingMethod,
  notes: string[] = [],
  error: number | null = null,
): LayerResult =>
  ({
    name,
    rounding: { requested, used, error, rtnError: error === null ? null : 2 * error, notes, ms: 1500 },
  }) as unknown as LayerResult;
const rtnLayer = (name: string) => ({ name }) as unknown as LayerResult;

describe('roundingSummary: what a data-aware run did, layer by layer', () => {
  const CASES: [string, LayerResult[], string | null][] = [
    ['no data-aware layer', [rtnLayer('a'), rtnLayer('b')], null],
    [
      'all layers got GPTQ',
      [layer('a', 'gptq', 'gptq'), layer('b', 'gptq', 'gptq')],
      'GPTQ on 2 of 2 layers',
    ],
    [
      'a fallback is named with its reason',
      [layer('a', 'adaround', 'adaround'), layer('b', 'adaround', 'rtn', ['no calibration activations'])],
      'AdaRound on 1 of 2 layers · RTN on 1 (no calibration activations)',
    ],
    [
      'layers kept at RTN by choice are not counted',
      [rtnLayer('a'), layer('b', 'gptq', 'gptq')],
      'GPTQ on 1 of 1 layers',
    ],
  ];
  it.each(CASES)('%s', (_, layers, text) => {
    expect(roundingSummary(layers)?.text ?? null).toBe(text);
  });

  it('details: one line per data-aware layer with the method used, the error vs RTN and the time', () => {
    const s = roundingSummary([
      layer('w1', 'gptq', 'gptq', [], 0.5),
      layer('w2', 'gptq', 'rtn', ['rank 3']),
    ])!;
    expect(s.details).toEqual([
      'w1: GPTQ, output error 5.00e-1 vs RTN 1.00e+0, 1.50 s',
      'w2: RTN (asked GPTQ), 1.50 s — rank 3',
    ]);
  });
});
