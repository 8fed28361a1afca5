import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import { expectSampleSetError, fileEntry, folderEntries } from '../../../test/fixtures/samples/entries';
import { loadSample } from './access';
import { detectSampleSet } from './detect';
import { npyToFloat32, parseNpy } from './npy';
import { decodePngSync } from './png';
import {
  defaultPreprocessOptions,
  inferPreprocessOptions,
  preprocessedDims,
  preprocessImage,
  previewStats,
  resizeBilinear,
  type PreprocessOptions,
} from './preprocess';
import type { DecodedImage, ImageSampleSet } from './types';

/**
 * Float32 step-by-step arithmetic reproduces NumPy float32 pipelines bit for bit, so the tolerance is 0.
 * (Computing in float64 and rounding once would differ by up to 2.4e-7 from the mnist-onnx-mlir file.)
 */
const TOLERANCE = 0;
const npy = (p: string) => npyToFloat32(parseNpy(new Uint8Array(readFileSync(p)), p));
const maxAbsDiff = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

async function preprocessAll(set: ImageSampleSet, o: PreprocessOptions): Promise<Float32Array> {
  const size = preprocessedDims(o).reduce((a, b) => a * b, 1);
  const out = new Float32Array(set.count * size);
  for (let i = 0; i < set.count; i++) out.set(await loadSample(set, i, o), i * size);
  return out;
}

describe('preprocessing the mnist-8 PNGs reproduces the shipped .npy files', () => {
  const pngs = () =>
    detectSampleSet(folderEntries(testModel('mnist-8', 'samples', 'png'), 'png')) as Promise<ImageSampleSet>;
  it('raw 0..255 gray NCHW == mnist-8/samples/inputs.npy (exact)', async () => {
    const o: PreprocessOptions = { ...inferPreprocessOptions([1, 1, 28, 28]), range: '0..255' };
    const x = await preprocessAll(await pngs(), o);
    expect(maxAbsDiff(x, npy(testModel('mnist-8', 'samples', 'inputs.npy')))).toBe(TOLERANCE);
  });
  it('0..1, mean 0.1307, std 0.3081 == mnist-onnx-mlir/samples/inputs.npy (exact)', async () => {
    const o: PreprocessOptions = {
      ...inferPreprocessOptions([1, 1, 28, 28]),
      range: '0..1',
      mean: [0.1307],
      std: [0.3081],
    };
    const x = await preprocessAll(await pngs(), o);
    const ref = npy(testModel('mnist-onnx-mlir', 'samples', 'inputs.npy'));
    expect(maxAbsDiff(x, ref)).toBe(TOLERANCE);
    expect(previewStats(x.subarray(0, 784)).min).toBeCloseTo(-0.4242, 4);
  });
});

describe('squeezenet images: BGR 0..255 NCHW == inputs_fp32_bgr255.npy', () => {
  it('RGBA and RGB PNGs, 224x224', async () => {
    const dir = testModel('squeezenet1.0-fp16-winml');
    const o: PreprocessOptions = {
      ...inferPreprocessOptions([1, 3, 224, 224]),
      channels: 'bgr',
      range: '0..255',
    };
    const ref = npy(`${dir}/samples/inputs_fp32_bgr255.npy`);
    const n = 3 * 224 * 224;
    for (const [i, f] of ['kitten_224.png', 'fish.png'].entries()) {
      const img = decodePngSync(new Uint8Array(readFileSync(`${dir}/images/${f}`)), f);
      expect(maxAbsDiff(preprocessImage(img, o, f), ref.subarray(i * n, (i + 1) * n))).toBe(TOLERANCE);
    }
  });
  it('a bare image folder is a fidelity-only set', async () => {
    const dir = testModel('squeezenet1.0-fp16-winml', 'images');
    const set = await detectSampleSet([
      fileEntry(`${dir}/fish.png`, 'images/fish.png'),
      fileEntry(`${dir}/kitten_224.png`, 'images/kitten_224.png'),
    ]);
    expect(set.labels).toBeNull();
    expect((set as ImageSampleSet).firstImage).toEqual({ width: 224, height: 224, channels: 3 });
  });
});

describe('inferPreprocessOptions from the model input shape', () => {
  it.each([
    [
      [1, 1, 28, 28],
      { channels: 'gray', width: 28, height: 28, layout: 'NCHW', flatten: false },
      [1, 28, 28],
    ],
    [
      [1, 3, 224, 224],
      { channels: 'rgb', width: 224, height: 224, layout: 'NCHW', flatten: false },
      [3, 224, 224],
    ],
    [['N', 3, 'H', 'W'], { channels: 'rgb', width: 224, height: 224, layout: 'NCHW' }, [3, 224, 224]],
    [[1, 224, 224, 3], { channels: 'rgb', width: 224, height: 224, layout: 'NHWC' }, [224, 224, 3]],
    [[1, 32, 32, 1], { channels: 'gray', width: 32, height: 32, layout: 'NHWC' }, [32, 32, 1]],
    [[1, 784], { channels: 'gray', width: 28, height: 28, flatten: true }, [784]],
    [['batch', 3072], { channels: 'rgb', width: 32, height: 32, flatten: true }, [3072]],
    [[1, 28, 28], { channels: 'gray', width: 28, height: 28 }, [1, 28, 28]],
  ] as const)('%j', (shape, expected, dims) => {
    const o = inferPreprocessOptions(shape);
    expect(o).toMatchObject(expected);
    expect(o).toMatchObject({ range: '0..1', mean: [0], std: [1] });
    expect(preprocessedDims(o)).toEqual(dims);
  });
});

const img = (w: number, h: number, channels: 1 | 3 | 4, data: number[]): DecodedImage => ({
  width: w,
  height: h,
  channels,
  data: Uint8Array.from(data),
});

describe('preprocessImage on hand-computed pixels', () => {
  const rgb2x1 = img(2, 1, 3, [10, 20, 30, 40, 50, 60]);
  const base = { ...defaultPreprocessOptions, width: 2, height: 1, range: '0..255' as const };
  it.each([
    ['RGB NCHW', { ...base }, [10, 40, 20, 50, 30, 60]],
    ['RGB NHWC', { ...base, layout: 'NHWC' as const }, [10, 20, 30, 40, 50, 60]],
    ['BGR NCHW', { ...base, channels: 'bgr' as const }, [30, 60, 20, 50, 10, 40]],
    [
      'gray (BT.601 luma)',
      { ...base, channels: 'gray' as const },
      [Math.fround(0.299 * 10 + 0.587 * 20 + 0.114 * 30), Math.fround(0.299 * 40 + 0.587 * 50 + 0.114 * 60)],
    ],
    ['per-channel mean/std', { ...base, mean: [10, 20, 30], std: [2, 4, 5] }, [0, 15, 0, 7.5, 0, 6]],
    [
      '0..1 scale',
      { ...base, range: '0..1' as const, layout: 'NHWC' as const },
      [10, 20, 30, 40, 50, 60].map((v) => Math.fround(v / 255)),
    ],
    ['flatten NHWC', { ...base, layout: 'NHWC' as const, flatten: true }, [10, 20, 30, 40, 50, 60]],
  ])('%s', (_n, o, expected) => {
    expect(Array.from(preprocessImage(rgb2x1, o))).toEqual(expected);
  });
  it('gray source replicated to RGB, RGBA alpha ignored', () => {
    expect(Array.from(preprocessImage(img(1, 1, 1, [9]), { ...base, width: 1 }))).toEqual([9, 9, 9]);
    expect(Array.from(preprocessImage(img(1, 1, 4, [1, 2, 3, 0]), { ...base, width: 1 }))).toEqual([1, 2, 3]);
  });
  it('bilinear resize with half-pixel centres', () => {
    // 2x1 -> 4x1: centres map to x = -0.25, 0.25, 0.75, 1.25 -> clamped 0, 0.25, 0.75, 1
    expect(Array.from(resizeBilinear(Float32Array.of(0, 100), 2, 1, 4, 1))).toEqual([0, 25, 75, 100]);
    // 4x4 -> 2x2 averages each 2x2 block
    const src = Float32Array.from({ length: 16 }, (_, i) => i);
    expect(Array.from(resizeBilinear(src, 4, 4, 2, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
    expect(
      Array.from(preprocessImage(img(2, 1, 1, [0, 100]), { ...base, channels: 'gray', width: 4 })),
    ).toEqual([0, 25, 75, 100]);
  });
  it('previewStats', () => {
    expect(previewStats(Float32Array.of(-1, 0, 4))).toEqual({ min: -1, max: 4, mean: 1 });
  });
  it.each([
    [{ mean: [0, 0] }, 'preprocessing: mean needs 1 or 3 values for rgb, got 2'],
    [{ std: [0] }, 'preprocessing: std must not be 0'],
    [{ width: 0 }, 'preprocessing: size must be positive integers, got 0x1'],
  ])('bad options %j', async (patch, message) => {
    await expectSampleSetError(() => preprocessImage(rgb2x1, { ...base, ...patch }), message);
  });
});
