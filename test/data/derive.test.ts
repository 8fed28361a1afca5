// The derived test files equal the originals they replace: byte for byte (sha256 of the original files, recorded
// when they were first derived), and value for value where the encoder differs (PNG, .npz).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from 'fast-png';
import { unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { testModel } from '../paths';

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const sha256 = (path: string) => sha256Of(readFileSync(path));

describe('derived files are byte-identical to the originals', () => {
  it.each([
    ['mnist-8/samples/inputs.npy', '400a9689107386b7bc5b09ea79a7dfe70fc0862db54b095be92770dbc162f240'],
    ['mnist-8/samples/labels.npy', 'cf45220c4c8a734d62f02adcc2b87a78e82767c5ba86c03b45736874834e6d1e'],
    ['mnist-8/samples/samples.json', 'b585558d9b1094e080269bc34b973ae1c39b333cb5f1956d8356eb7de1b892dd'],
    ['mnist-8/samples/png/labels.csv', '902c4f2390b4f482545dd79704fe26ca7e731793dedb2ed13216761196499390'],
    ['mnist-8/samples/png/classes.txt', '7427877c40fb0361401248f9c96abe6117396bc6ab16811b5b1706274c02443e'],
    [
      'mnist-onnx-mlir/samples/inputs.npy',
      '70389c6501b396c66dd4e3305acf08acd1993e73bd37663154869385e2245f7d',
    ],
    [
      'mnist-onnx-mlir/samples/labels.npy',
      'cf45220c4c8a734d62f02adcc2b87a78e82767c5ba86c03b45736874834e6d1e',
    ],
    [
      'squeezenet1.0-fp16-winml/model_fp32_converted.onnx',
      '0fccde009e25d24dd3f0a8a6ccca04346d240a2bf04d8f36581071236f6d878c',
    ],
    [
      'squeezenet1.0-fp16-winml/samples/inputs_fp32_bgr255.npy',
      'b7c06997f0fff080739196ae4ecb29b01035dff779767fa774dd1d2d8ca8c1eb',
    ],
  ])('%s', (path, hash) => {
    expect(sha256(testModel(path))).toBe(hash);
  });
});

describe('derived files equal the originals value for value', () => {
  it.each(['mnist-8', 'mnist-onnx-mlir'])('%s/samples/samples.npz holds inputs.npy and labels.npy', (dir) => {
    const members = unzipSync(new Uint8Array(readFileSync(testModel(dir, 'samples/samples.npz'))));
    expect(Object.keys(members).sort()).toEqual(['inputs.npy', 'labels.npy']);
    for (const name of ['inputs.npy', 'labels.npy']) {
      expect(sha256Of(members[name])).toBe(sha256(testModel(dir, 'samples', name)));
    }
  });
  it('mnist-8/samples/png: 1,000 28x28 8-bit gray PNGs whose pixels are inputs.npy in file-number order', () => {
    const dir = testModel('mnist-8/samples/png');
    const npy = readFileSync(testModel('mnist-8/samples/inputs.npy'));
    const pixels = new Float32Array(npy.buffer.slice(npy.byteOffset + 128, npy.byteOffset + npy.byteLength));
    const names = (readdirSync(dir, { recursive: true }) as string[]).filter((n) => n.endsWith('.png'));
    expect(names).toHaveLength(1000);
    for (const name of names) {
      const i = Number(/(\d+)\.png$/.exec(name)?.[1]);
      const img = decode(readFileSync(join(dir, name)));
      expect([img.width, img.height, img.channels, img.depth]).toEqual([28, 28, 1, 8]);
      expect(Array.from(img.data)).toEqual(Array.from(pixels.subarray(i * 784, (i + 1) * 784)));
    }
  });
});
