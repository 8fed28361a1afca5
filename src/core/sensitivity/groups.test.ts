import { describe, expect, it } from 'vitest';
import type { WeightInfo } from '../onnx/types';
import { blockOf, measuredUnits, sampleEvenly } from './groups';

describe('blockOf', () => {
  it.each([
    { name: 'onnx::MatMul_211', node: '/layers.0/qkv/MatMul', block: '/layers.0' },
    { name: 'onnx::MatMul_222', node: '/layers.1/ff2/MatMul', block: '/layers.1' },
    { name: 'features.3.weight', node: '/features/features.3/Conv', block: '/features/features.3' },
    { name: 'head.weight', node: '/head/Gemm', block: 'head.weight' },
    { name: 'encoder.layer.3.attn.q.weight', node: 'MatMul_7', block: 'encoder.layer.3' },
    { name: 'fc1.weight', node: 'Gemm_3', block: 'fc1.weight' },
    { name: 'w', node: '#4', block: 'w' },
  ])('$name at $node → $block', ({ name, node, block }) => expect(blockOf({ name, node })).toBe(block));
});

describe('sampleEvenly', () => {
  const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  it.each([
    { n: 1, out: [0] },
    { n: 2, out: [0, 9] },
    { n: 4, out: [0, 3, 6, 9] },
    { n: 10, out: xs },
    { n: 99, out: xs },
  ])('$n of 10 → $out', ({ n, out }) => expect(sampleEvenly(xs, n)).toEqual(out));
  it.each([0, -1, 2.5])('refuses %s', (n) => expect(() => sampleEvenly(xs, n)).toThrow(/positive integer/));
});

describe('measuredUnits', () => {
  const w = (name: string, node: string) => ({ name, node }) as WeightInfo;
  const targets = [
    w('a', '/layers.0/qkv/MatMul'),
    w('b', '/layers.0/ff/MatMul'),
    w('c', '/layers.1/qkv/MatMul'),
    w('head.weight', '/head/Gemm'),
  ];
  it('one unit per layer by default', () =>
    expect(measuredUnits(targets).map((u) => u.name)).toEqual(['a', 'b', 'c', 'head.weight']));
  it('groups by block; a block of one layer keeps the layer name', () =>
    expect(measuredUnits(targets, { groupBy: 'block' }).map((u) => [u.name, u.weights.length])).toEqual([
      ['/layers.0', 2],
      ['c', 1],
      ['head.weight', 1],
    ]));
  it('samples layers evenly', () =>
    expect(measuredUnits(targets, { sample: 2 }).map((u) => u.name)).toEqual(['a', 'head.weight']));
});
