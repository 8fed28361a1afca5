import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import { parseModel } from '../onnx';
import { runQuantization } from '../pipeline/run';
import { normalizeConfig, type QuantConfig } from '../quant/config';
import { byteAccount, NOTE_BELOW_SHARE } from './byte-account';

const open = (path: string) => parseModel(new Uint8Array(readFileSync(testModel(path))), path);
const MLIR = open('mnist-onnx-mlir/model.onnx');
const MNIST8 = open('mnist-8/model.onnx');
const SQUEEZE = open('squeezenet1.0-fp16-winml/model_fp16.onnx');
const IRIS = open('iris-mlp-winml/model.onnx');

describe('byteAccount', () => {
  it.each([
    ['mnist-onnx-mlir int8 per-channel', MLIR, { bits: 8 }],
    [
      'mnist-onnx-mlir uint4 blocks',
      MLIR,
      { bits: 4, granularity: 'block', blockSize: 32, scheme: 'asymmetric' },
    ],
    [
      'mnist-onnx-mlir int4 MatMulNBits',
      MLIR,
      { bits: 4, granularity: 'block', blockSize: 32, format: 'matmulnbits' },
    ],
    ['mnist-onnx-mlir fp16', MLIR, { bits: 'fp16' }],
    ['mnist-onnx-mlir fc2 left float', MLIR, { bits: 2, layers: { 'fc2.weight': { skip: true } } }],
    ['mnist-8 int3 per-tensor', MNIST8, { bits: 3, granularity: 'tensor' }],
    ['squeezenet fp16 weights int8', SQUEEZE, { bits: 8 }],
    ['iris int4 per-channel', IRIS, { bits: 4 }],
  ] as [string, ReturnType<typeof open>, Partial<QuantConfig>][])(
    '%s: each side sums to its file exactly, scales and zero points as stored',
    async (_, model, c) => {
      const { summary, bytes } = await runQuantization(model, normalizeConfig(c), 'b');
      const a = byteAccount(summary);
      expect(a.rows.reduce((x, r) => x + r.before, 0)).toBe(summary.fileBytesBefore);
      expect(a.rows.reduce((x, r) => x + r.after, 0)).toBe(bytes.length);
      for (const r of a.rows) expect(r.before, r.part).toBeGreaterThanOrEqual(0);
      for (const r of a.rows) expect(r.after, r.part).toBeGreaterThanOrEqual(0);
      const row = (p: string) => a.rows.find((r) => r.part === p)!;
      expect(row('quantized').before).toBe(summary.layers.reduce((x, l) => x + l.bytesBefore, 0));
      for (const l of summary.layers)
        expect(l.stored.levels + l.stored.scales + l.stored.zeroPoints).toBe(l.bytesAfter);
      if (c.bits === 'fp16') expect(row('scales').after + row('zeroPoints').after).toBe(0);
      if (c.scheme === 'asymmetric') expect(row('zeroPoints').after).toBeGreaterThan(0);
      else if (c.format !== 'matmulnbits') expect(row('zeroPoints').after).toBe(0);
      // What quantization does not touch is the same on both sides.
      for (const p of ['leftFloat', 'otherFloat']) expect(row(p).after).toBe(row(p).before);
    },
  );

  it('an excluded layer counts as a weight left float, with its bytes', async () => {
    const { summary } = await runQuantization(
      MLIR,
      normalizeConfig({ bits: 4, layers: { 'fc1.weight': { skip: true } } }),
      'x',
    );
    const a = byteAccount(summary);
    const fc1 = MLIR.proto.graph!.initializer.find((t) => t.name === 'fc1.weight')!;
    const fc1Bytes = fc1.dims.reduce((x, d) => x * Number(d), 4);
    expect(a.rows.find((r) => r.part === 'leftFloat')!.before).toBe(fc1Bytes);
    // fc1 is most of the model: what was quantized is a small share, and the note says where the bytes are.
    expect(a.quantizedShare).toBeLessThan(NOTE_BELOW_SHARE);
    expect(a.note).toMatch(
      /^The weights this run quantized were [\d.]+ % of the original file: the other .* stay as they were, most of it weights left float \(.*\): see each one’s reason\.$/,
    );
  });

  it.each([
    [2, null],
    [
      3,
      'Stored 3-bit levels as int4: ONNX has no narrower integer type here, so these weights take the bytes of the stored type.',
    ],
    [4, null],
    [
      5,
      'Stored 5-bit levels as int8: ONNX has no narrower integer type here, so these weights take the bytes of the stored type.',
    ],
    [8, null],
    ['fp16', null],
  ] as const)('%s-bit: the levels stored in a wider type are said (%s)', async (bits, note) => {
    const { summary } = await runQuantization(MLIR, normalizeConfig({ bits }), 'c');
    expect(byteAccount(summary).containerNote).toBe(note);
  });

  it('gives no note when the quantized weights were most of the file', async () => {
    const { summary } = await runQuantization(MLIR, normalizeConfig({ bits: 8 }), 'y');
    const a = byteAccount(summary);
    expect(a.quantizedShare).toBeGreaterThan(NOTE_BELOW_SHARE);
    expect(a.note).toBeNull();
  });
});
