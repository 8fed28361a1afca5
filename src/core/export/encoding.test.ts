import { describe, expect, it } from 'vitest';
import type { WeightInfo } from '../onnx/types';
import { defaultQuantConfig, type WeightSpec } from '../quant/config';
import { chooseEncoding, containerBits, type EncodingContext } from './encoding';

const matmul: WeightInfo = {
  name: 'w',
  initializer: 'w',
  node: 'mm',
  nodeIndex: 0,
  inputIndex: 1,
  op: 'MatMul',
  via: [],
  shape: [64, 32],
  storedShape: [64, 32],
  channelAxis: 1,
  reductionAxis: 0,
  dtype: 'float32',
  opDtype: 'float32',
  elements: 2048,
  bytes: 8192,
  external: false,
  consumers: 1,
  source: 'initializer',
  graphPath: [],
  homePath: [],
  scope: '',
  uses: [{ graphPath: [], node: 'mm', nodeIndex: 0, inputIndex: 1 }],
};
const conv: WeightInfo = {
  ...matmul,
  op: 'Conv',
  shape: [8, 4, 3, 3],
  storedShape: [8, 4, 3, 3],
  channelAxis: 0,
  reductionAxis: 1,
};
const spec = (s: Partial<WeightSpec>): WeightSpec => ({ ...defaultQuantConfig, ...s });
const ctx = (
  opset: number,
  maxOpset: number | null,
  format: EncodingContext['format'] = 'auto',
): EncodingContext => ({ opset, maxOpset, format });

describe('containerBits', () => {
  it.each([
    [2, 2],
    [3, 4],
    [4, 4],
    [5, 8],
    [6, 8],
    [7, 8],
    [8, 8],
  ] as const)('%i-bit lives in %i bits', (b, c) => {
    expect(containerBits(b)).toBe(c);
  });
});

describe('chooseEncoding', () => {
  it.each([
    [
      '8-bit channel, opset 13',
      matmul,
      spec({ bits: 8 }),
      ctx(13, 25),
      { kind: 'dq', domain: '', container: 'int8', minOpset: 13 },
    ],
    [
      '8-bit tensor, opset 10',
      matmul,
      spec({ bits: 8, granularity: 'tensor' }),
      ctx(10, null),
      { kind: 'dq', domain: '', container: 'int8', minOpset: 10 },
    ],
    [
      '8-bit channel, opset 8: com.microsoft',
      conv,
      spec({ bits: 8 }),
      ctx(8, null),
      { kind: 'dq', domain: 'com.microsoft', container: 'int8', minOpset: 1 },
    ],
    [
      'asymmetric 6-bit: uint8',
      conv,
      spec({ bits: 6, scheme: 'asymmetric' }),
      ctx(13, 25),
      { kind: 'dq', domain: '', container: 'uint8', minOpset: 13 },
    ],
    [
      '4-bit channel, opset 13: com.microsoft int4, no upgrade needed',
      conv,
      spec({ bits: 4 }),
      ctx(13, 25),
      { kind: 'dq', domain: 'com.microsoft', container: 'int4', minOpset: 1 },
    ],
    [
      '3-bit channel, opset 21: int4',
      conv,
      spec({ bits: 3 }),
      ctx(21, 25),
      { kind: 'dq', domain: '', container: 'int4', minOpset: 21 },
    ],
    [
      '4-bit block MatMul, opset 13: MatMulNBits',
      matmul,
      spec({ bits: 4, granularity: 'block' }),
      ctx(13, 25),
      { kind: 'matmulnbits', bits: 4, container: 'int4' },
    ],
    [
      '4-bit block MatMul, opset 13, qdq only: upgrade',
      matmul,
      spec({ bits: 4, granularity: 'block' }),
      ctx(13, 25, 'qdq'),
      { kind: 'dq', domain: '', container: 'int4', minOpset: 21 },
    ],
    [
      '4-bit block Conv, opset 8: upgrade',
      conv,
      spec({ bits: 4, granularity: 'block' }),
      ctx(8, 25),
      { kind: 'dq', domain: '', container: 'int4', minOpset: 21 },
    ],
    [
      '4-bit block Conv, opset 8, no upgrade: none',
      conv,
      spec({ bits: 4, granularity: 'block' }),
      ctx(8, null),
      null,
    ],
    [
      '2-bit channel, opset 13: upgrade to 25',
      conv,
      spec({ bits: 2 }),
      ctx(13, 25),
      { kind: 'dq', domain: '', container: 'int2', minOpset: 25 },
    ],
    [
      '2-bit channel, no upgrade: int4 container',
      conv,
      spec({ bits: 2 }),
      ctx(13, null),
      { kind: 'dq', domain: 'com.microsoft', container: 'int4', minOpset: 1 },
    ],
    [
      '2-bit block MatMul, old opset: MatMulNBits 2',
      matmul,
      spec({ bits: 2, granularity: 'block' }),
      ctx(13, null),
      { kind: 'matmulnbits', bits: 2, container: 'int2' },
    ],
    [
      '7-bit block MatMul forced: MatMulNBits 8',
      matmul,
      spec({ bits: 7, granularity: 'block' }),
      ctx(21, 25, 'matmulnbits'),
      { kind: 'matmulnbits', bits: 8, container: 'int8' },
    ],
    ['fp16', conv, spec({ bits: 'fp16' }), ctx(8, null), { kind: 'cast' }],
  ] as const)('%s', (_, w, s, c, want) => {
    expect(chooseEncoding(w, s, c)).toEqual(want);
  });
});
