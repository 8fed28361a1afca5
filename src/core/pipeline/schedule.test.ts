import { describe, expect, it } from 'vitest';
import { parseModel } from '../onnx';
import { normalizeConfig, type QuantConfig } from '../quant/config';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../../test/fixtures/onnx-builders';
import { runQuantization } from './run';
import { lookahead, type RtnPool } from './schedule';
import { quantizeForExport } from './weight';

describe('lookahead', () => {
  const cases: [string, number, number[][]][] = [
    // [name, ahead, items started after each take(0..3)]
    ['one at a time', 1, [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]]],
    [
      'two ahead',
      2,
      [
        [0, 1],
        [0, 1, 2],
        [0, 1, 2, 3],
        [0, 1, 2, 3],
      ],
    ],
    [
      'more than items',
      9,
      [
        [0, 1, 2, 3],
        [0, 1, 2, 3],
        [0, 1, 2, 3],
        [0, 1, 2, 3],
      ],
    ],
  ];
  it.each(cases)('%s', async (_, ahead, startedAfter) => {
    const started: number[] = [];
    const q = lookahead([0, 1, 2, 3], ahead, (i) => (started.push(i), Promise.resolve(i * 10)));
    for (let i = 0; i < 4; i++) {
      expect(await q.take(i)).toBe(i * 10);
      expect(started).toEqual(startedAfter[i]);
    }
  });

  it('reports a failure when its item is taken, and null items run at take time', async () => {
    const q = lookahead([1, 2, 3], 3, (i) =>
      i === 2 ? null : i === 3 ? Promise.reject(new Error('three')) : Promise.resolve(i),
    );
    expect(await q.take(0)).toBe(1);
    expect(q.take(1)).toBeNull();
    await expect(q.take(2)).rejects.toThrow('three');
  });
});

/** Four Gemm weights (one with a NaN), finished by a fake pool in reverse order of submission. */
function model(nanAt: number | null) {
  const w = (i: number) =>
    Array.from({ length: 64 * 32 }, (_, j) =>
      j === nanAt && i === 2 ? NaN : Math.sin(j * 0.7 + i) * (i + 1),
    );
  return parseModel(
    modelBytes(
      buildModel({
        opset: 13,
        inputs: [valueInfo('x', 'float32', [1, 32])],
        outputs: [valueInfo('h4')],
        nodes: [0, 1, 2, 3].map((i) =>
          node('Gemm', [i ? `h${i}` : 'x', `w${i}`], [`h${i + 1}`], { transB: 1 }),
        ),
        initializers: [0, 1, 2, 3].map((i) => floatTensor(`w${i}`, [32, 32], w(i).slice(0, 1024))),
      }),
    ),
    'four.onnx',
  );
}

function reversingPool(slots: number): RtnPool & { calls: number } {
  const held: (() => void)[] = [];
  const pool = {
    slots,
    calls: 0,
    run: ((values, w, spec, container) => {
      pool.calls++;
      return new Promise((resolve, reject) => {
        held.push(() => {
          try {
            resolve(quantizeForExport(values, w, spec, container));
          } catch (e) {
            reject(e);
          }
        });
        // Finish the held jobs last-in first-out once `slots` are waiting (or on the next macrotask).
        if (held.length >= slots) while (held.length) held.pop()!();
        else
          setTimeout(() => {
            while (held.length) held.pop()!();
          });
      });
    }) as RtnPool['run'],
  };
  return pool;
}

describe('runQuantization with an RTN pool', () => {
  const configs: [string, Partial<QuantConfig>][] = [
    ['int8 per-channel', { bits: 8, granularity: 'channel' }],
    ['uint4 blocks', { bits: 4, granularity: 'block', blockSize: 16, scheme: 'asymmetric' }],
    ['matmulnbits', { bits: 4, granularity: 'block', blockSize: 16, format: 'matmulnbits' }],
    ['fp16', { bits: 'fp16' }],
  ];
  it.each(configs)('%s: the same bytes and summary as one thread, in any finishing order', async (_, c) => {
    const config = normalizeConfig(c);
    for (const nanAt of [null, 5]) {
      const one = await runQuantization(model(nanAt), config, 'r', { now: () => 0 });
      expect(one.summary.skipped.map((s) => s.name)).toEqual(nanAt === null ? [] : ['w2']);
      for (const slots of [2, 3, 8]) {
        const pool = reversingPool(slots);
        const many = await runQuantization(model(nanAt), config, 'r', { now: () => 0, rtnPool: pool });
        expect(pool.calls).toBe(4);
        expect(Buffer.from(many.bytes).equals(Buffer.from(one.bytes))).toBe(true);
        expect(many.summary).toEqual(one.summary);
      }
    }
  });
});
