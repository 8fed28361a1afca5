import { describe, expect, it } from 'vitest';
import { LAYER_NAME_MAX, middleEllipsis } from './LayerName';

describe('middleEllipsis', () => {
  it.each([
    ['classifier.1.weight', 40, 'classifier.1.weight'],
    ['abcdefghij', 10, 'abcdefghij'],
    ['abcdefghijk', 10, 'abcd…ghijk'],
    ['/model/layers.11/self_attn/q_proj/MatMul_weight_quantized', 30, '/model/layers.…eight_quantized'],
  ])('%s (max %i) -> %s', (name, max, want) => {
    const got = middleEllipsis(name, max);
    expect(got).toBe(want);
    expect(got.length).toBeLessThanOrEqual(max);
  });
  it('keeps start and end of any long name, never longer than the limit', () => {
    const name = 'x'.repeat(20) + 'MIDDLE' + 'y'.repeat(60);
    const got = middleEllipsis(name);
    expect(got).toHaveLength(LAYER_NAME_MAX);
    expect(got.startsWith('x'.repeat(19))).toBe(true);
    expect(got.endsWith('y'.repeat(20))).toBe(true);
  });
});
