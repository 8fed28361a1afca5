import { describe, expect, it } from 'vitest';
import { defaultPreprocessOptions } from '../samples';
import { decodedToRgba, fitRgba, imageLayoutOf, preprocessedToRgba, tensorToRgba } from './thumbnail';

describe('thumbnails', () => {
  it('expands gray and gray+alpha to RGBA', () => {
    expect([
      ...decodedToRgba({ width: 2, height: 1, channels: 1, data: Uint8Array.from([10, 200]) }).data,
    ]).toEqual([10, 10, 10, 255, 200, 200, 200, 255]);
    expect([
      ...decodedToRgba({ width: 1, height: 1, channels: 2, data: Uint8Array.from([7, 99]) }).data,
    ]).toEqual([7, 7, 7, 99]);
  });

  it('shrinks by area average and never enlarges', () => {
    const img = { width: 4, height: 2, data: new Uint8ClampedArray(32) };
    for (let i = 0; i < 8; i++) img.data.set([i < 4 ? 0 : 200, 0, 0, 255], i * 4); // top row 0, bottom row 200
    const small = fitRgba(img, 2);
    expect([small.width, small.height]).toEqual([2, 1]);
    expect([...small.data.subarray(0, 4)]).toEqual([100, 0, 0, 255]);
    expect(fitRgba(img, 96)).toBe(img);
  });

  it.each([
    [[1, 28, 28], { c: 1, h: 28, w: 28, channelsFirst: true }],
    [[1, 1, 28, 28], { c: 1, h: 28, w: 28, channelsFirst: true }],
    [[224, 224, 3], { c: 3, h: 224, w: 224, channelsFirst: false }],
    [[784], { c: 1, h: 28, w: 28, channelsFirst: true }],
    [[4], null],
    [[2, 3, 5], null],
  ])('image layout of %j', (dims, expected) => {
    expect(imageLayoutOf(dims)).toEqual(expected);
  });

  it('stretches tensor values to 0..255 and returns null for non-images', () => {
    const values = Float32Array.from({ length: 16 }, (_, i) => i * 2 - 5); // -5..25
    const img = tensorToRgba(values, [4, 4], 96)!;
    expect([img.width, img.height]).toEqual([4, 4]);
    expect([...img.data.subarray(0, 4)]).toEqual([0, 0, 0, 255]);
    expect([...img.data.subarray(60, 64)]).toEqual([255, 255, 255, 255]);
    expect(tensorToRgba(Float32Array.of(1, 2, 3, 4), [4], 96)).toBeNull();
  });

  it('draws a BGR NCHW sample in display (RGB) order', () => {
    const o = {
      ...defaultPreprocessOptions,
      width: 1,
      height: 1,
      channels: 'bgr' as const,
      layout: 'NCHW' as const,
    };
    const img = preprocessedToRgba(Float32Array.of(0, 0.5, 1), o, 96); // B=0, G=0.5, R=1
    expect([...img.data]).toEqual([255, 128, 0, 255]);
  });
});
