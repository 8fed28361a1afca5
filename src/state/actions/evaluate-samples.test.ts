import { describe, expect, it } from 'vitest';
import type { ArrayRole, ArrayRoles, NpyFileInfo } from '../../core/samples';
import { reassignArray } from './evaluate-samples';

const files = (roles: Record<string, ArrayRole>): NpyFileInfo[] =>
  Object.entries(roles).map(([path, role]) => ({ path, role, dtype: 'float32', shape: [4] }));

describe('reassignArray', () => {
  it.each<[string, Record<string, ArrayRole>, string, ArrayRole, ArrayRoles]>([
    [
      'swap a wrong guess in one step',
      { a: 'labels', b: 'input' },
      'b',
      'labels',
      { inputs: ['a'], labels: 'b' },
    ],
    [
      'a third file becomes the labels: the old labels take its role',
      { a: 'input', b: 'labels', c: 'ignored' },
      'c',
      'labels',
      { inputs: ['a'], labels: 'c' },
    ],
    ['drop the labels', { a: 'input', b: 'labels' }, 'b', 'ignored', { inputs: ['a'], labels: null }],
    [
      'add a second input array',
      { a: 'input', b: 'ignored' },
      'b',
      'input',
      { inputs: ['a', 'b'], labels: null },
    ],
    ['unchanged role', { a: 'input', b: 'labels' }, 'b', 'labels', { inputs: ['a'], labels: 'b' }],
  ])('%s', (_, before, path, role, want) => {
    expect(reassignArray(files(before), path, role)).toEqual(want);
  });
});
