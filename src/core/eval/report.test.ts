import { describe, expect, it } from 'vitest';
import { float32Text } from './report';

describe('float32Text: the shortest decimal that reads back as the same float32', () => {
  it.each([
    [5.1, '5.1'],
    [0.2, '0.2'],
    [-1.25, '-1.25'],
    [0, '0'],
    [1e-7, '1e-7'],
    [16777217, '16777216'],
  ])('%d -> %s', (x, text) => expect(float32Text(Math.fround(x))).toBe(text));
});
