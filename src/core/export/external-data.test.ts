import { describe, expect, it } from 'vitest';
import {
  externalDataRef,
  isExternalTensor,
  openModel,
  parseModel,
  readTensorBytes,
  serializeModel,
} from '../onnx';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../../test/fixtures/onnx-builders';
import { needsExternalData, partBytes, toExternalData } from './external-data';

const ramp = (n: number) => Array.from({ length: n }, (_, i) => (i % 97) / 10);

/** Three initializers: tiny (stays inline), 2 KiB, 2 MiB (aligned to 64 KiB in the data file). */
function model() {
  return buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [1])],
    outputs: [valueInfo('y', 'float32', [1])],
    nodes: [node('Identity', ['x'], ['y'])],
    initializers: [
      floatTensor('tiny', [4], ramp(4)),
      floatTensor('small', [512], ramp(512)),
      floatTensor('big', [512 * 1024], ramp(512 * 1024)),
    ],
  });
}

describe('toExternalData', () => {
  it('moves tensors of ≥ 1 KiB to one data file, aligning large ones, and they read back identically', async () => {
    const source = parseModel(modelBytes(model()), 'm.onnx');
    const { proto, data } = await toExternalData(source.proto, source, 'm.onnx_data');
    const [tiny, small, big] = proto.graph!.initializer;
    expect(isExternalTensor(tiny)).toBe(false);
    expect(externalDataRef(small)).toEqual({ location: 'm.onnx_data', offset: 0, length: 2048 });
    expect(externalDataRef(big)).toEqual({ location: 'm.onnx_data', offset: 65536, length: 2 * 2 ** 20 });
    expect(data.size).toBe(65536 + 2 * 2 ** 20);
    const file = new Uint8Array(data.size);
    let at = 0;
    for (const p of data.parts) {
      const b = await partBytes(p);
      file.set(b, at);
      at += b.length;
    }
    expect(at).toBe(data.size);
    const back = await openModel(
      { name: 'm.onnx', blob: new Blob([serializeModel(proto) as Uint8Array<ArrayBuffer>]) },
      [{ name: 'm.onnx_data', blob: new Blob([file]) }],
    );
    for (const [i, t] of back.proto.graph!.initializer.entries())
      expect(await readTensorBytes(back, t)).toEqual(source.proto.graph!.initializer[i].rawData);
  });

  it('keeps a source external tensor as a slice of its file (not read)', async () => {
    const first = parseModel(modelBytes(model()), 'm.onnx');
    const split = await toExternalData(first.proto, first, 'a.onnx_data');
    const file = new Blob((await Promise.all(split.data.parts.map(partBytes))) as Uint8Array<ArrayBuffer>[]);
    const src = await openModel(
      { name: 'a.onnx', blob: new Blob([serializeModel(split.proto) as Uint8Array<ArrayBuffer>]) },
      [{ name: 'a.onnx_data', blob: file }],
    );
    const again = await toExternalData(src.proto, src, 'b.onnx_data');
    expect(again.data.parts.filter((p) => p.kind === 'slice')).toHaveLength(2);
    expect(again.data.size).toBe(split.data.size);
  });

  it('is needed only on request or beyond the 2 GiB limit', () => {
    const m = parseModel(modelBytes(model()), 'm.onnx');
    expect(needsExternalData('auto', m.proto, m)).toBe(false);
    expect(needsExternalData('always', m.proto, m)).toBe(true);
    expect(needsExternalData('never', m.proto, m)).toBe(false);
  });

  it('refuses a location outside the model folder', async () => {
    const m = parseModel(modelBytes(model()), 'm.onnx');
    await expect(toExternalData(m.proto, m, '../x.onnx_data')).rejects.toThrow(/path traversal/);
  });
});
