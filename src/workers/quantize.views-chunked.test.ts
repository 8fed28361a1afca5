// The float views of a weight above a chunk (histogram, channel ranges) go through it in range reads of the model
// file, and show exactly what the whole weight gives.
import { describe, expect, it } from 'vitest';
import {
  channelErrors,
  channelRanges,
  metricsFromSums,
  perTensorGrid,
  sharedHistogram,
} from '../core/metrics';
import { addByBits, emptyByBits, errorSumsByBits } from '../core/pipeline/error-curve';
import { ALL_BITS, normalizeConfig, type QuantConfig } from '../core/quant/config';
import { quantizeWeight } from '../core/pipeline/weight';
import { parseModel, readWeight, findWeights } from '../core/onnx';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { quantizeApi as api } from './quantize.api';

const K = 2048;
const N = 1100; // 2,252,800 values: above the views' chunk of 2^21
const values = Array.from(
  { length: K * N },
  (_, i) => Math.sin(i * 0.013) * (1 + (i % 13) / 4) + (i % N) / N,
);
const bytes = modelBytes(
  buildModel({
    inputs: [valueInfo('x', 'float32', [1, K])],
    outputs: [valueInfo('y', 'float32', [1, N])],
    nodes: [node('MatMul', ['x', 'W'], ['y'])],
    initializers: [floatTensor('W', [K, N], values)],
  }),
);

/** A Blob that records the size of every slice read from it. */
class CountingBlob extends Blob {
  readonly reads: number[] = [];
  override slice(start?: number, end?: number, type?: string): Blob {
    const s = super.slice(start, end, type);
    this.reads.push(s.size);
    return s;
  }
}

describe('views of a weight above a chunk', () => {
  it('histogram and channel ranges equal the whole weight’s, read a chunk at a time', async () => {
    const file = new CountingBlob([bytes as Uint8Array<ArrayBuffer>]);
    await api.open({ modelId: 'big', file, fileName: 'model.onnx', sidecars: [] });
    const m = parseModel(bytes, 'model.onnx');
    const whole = await readWeight(m, findWeights(m)[0]);
    file.reads.length = 0;

    const h = await api.histogram('big', 'W', null, 128);
    expect(h).toEqual(sharedHistogram(whole, null, 128));
    const r = await api.channelRanges('big', 'W');
    expect(r).toEqual(channelRanges(whole, [K, N], 1));

    expect(file.reads.length).toBeGreaterThan(3);
    expect(Math.max(...file.reads)).toBeLessThanOrEqual(8 * 2 ** 20);
  });

  it.each<[string, Partial<QuantConfig>]>([
    ['int8 per-channel', { bits: 8 }],
    ['int4 asymmetric per-tensor', { bits: 4, scheme: 'asymmetric', granularity: 'tensor' }],
    ['int4 block-32', { bits: 4, granularity: 'block', blockSize: 32 }],
  ])(
    'a run’s histogram and channel errors equal the whole weight’s, read a band at a time (%s)',
    async (_, c) => {
      const file = new CountingBlob([bytes as Uint8Array<ArrayBuffer>]);
      const id = `run-${c.bits}-${c.granularity ?? 'channel'}`;
      await api.open({ modelId: id, file, fileName: 'model.onnx', sidecars: [] });
      const config = normalizeConfig(c);
      await api.quantize(id, `${id}-r`, config);
      const m = parseModel(bytes, 'model.onnx');
      const w = findWeights(m)[0];
      const whole = await readWeight(m, w);
      const q = quantizeWeight(whole, w, config);
      file.reads.length = 0;

      const h = await api.histogram(id, 'W', `${id}-r`, 128);
      expect(h).toEqual(sharedHistogram(whole, q.dequantized, 128));
      const e = await api.channelErrors(id, 'W', `${id}-r`);
      const grid = q.kind === 'int' ? perTensorGrid(q.q) : null;
      expect(e).toEqual({
        ...channelErrors(whole, q.dequantized, [K, N], 1),
        step: grid?.step ?? null,
        levels: grid?.levels ?? null,
      });
      expect(Math.max(...file.reads)).toBeLessThanOrEqual(8 * 2 ** 20);
    },
  );

  it('the exact error curve reads each weight in chunks into one buffer, with the whole weights’ values', async () => {
    const M = 2000; // a second weight, [N, M], smaller than the first: read into the start of the same buffer
    const second = Array.from({ length: N * M }, (_, i) => Math.cos(i * 0.007) * (1 + (i % 5)));
    const two = modelBytes(
      buildModel({
        inputs: [valueInfo('x', 'float32', [1, K])],
        outputs: [valueInfo('z', 'float32', [1, M])],
        nodes: [node('MatMul', ['x', 'W'], ['y']), node('MatMul', ['y', 'V'], ['z'])],
        initializers: [floatTensor('W', [K, N], values), floatTensor('V', [N, M], second)],
      }),
    );
    const file = new CountingBlob([two as Uint8Array<ArrayBuffer>]);
    await api.open({ modelId: 'two', file, fileName: 'model.onnx', sidecars: [] });
    const config = normalizeConfig({ bits: 4, scheme: 'asymmetric' });
    file.reads.length = 0;
    const curve = await api.errorCurve('two', null, config, [...ALL_BITS]);
    expect(Math.max(...file.reads)).toBeLessThanOrEqual(8 * 2 ** 20);
    const m = parseModel(two, 'model.onnx');
    let totals = emptyByBits(ALL_BITS.length);
    for (const w of findWeights(m))
      totals = addByBits(totals, errorSumsByBits(await readWeight(m, w), w, config, ALL_BITS));
    expect(curve).toEqual(
      ALL_BITS.map((bits, i) => {
        const { sqnrDb, mse } = metricsFromSums(totals[i]);
        return { bits, sqnrDb, mse };
      }),
    );
  });
});
