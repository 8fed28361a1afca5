// Image -> model input tensor: bilinear resize, channel order, pixel scale, per-channel mean/std, layout.
// Arithmetic is float32 step by step (Math.fround after each op), so results match NumPy float32
// pipelines bit for bit: x = ((pixel / 255) - mean) / std.
import { sampleSetError } from './paths';
import type { DecodedImage } from './types';

export type ChannelOrder = 'gray' | 'rgb' | 'bgr';
export type PixelLayout = 'NCHW' | 'NHWC';
/** '0..1' divides pixels by 255 first; '0..255' keeps raw values. */
export type PixelRange = '0..1' | '0..255';

/** Serializable (crosses the worker boundary and can be saved with a project). */
export interface PreprocessOptions {
  width: number;
  height: number;
  channels: ChannelOrder;
  layout: PixelLayout;
  range: PixelRange;
  /** Per channel in model order (length 1 applies to all), in the units of `range`. */
  mean: number[];
  std: number[];
  /** Emit [C*H*W] (in `layout` order) instead of a 3-D sample. */
  flatten: boolean;
}

export const defaultPreprocessOptions: PreprocessOptions = {
  width: 224,
  height: 224,
  channels: 'rgb',
  layout: 'NCHW',
  range: '0..1',
  mean: [0],
  std: [1],
  flatten: false,
};

const channelCount = (c: ChannelOrder): number => (c === 'gray' ? 1 : 3);
const fixed = (d: number | string | null | undefined): number | null =>
  typeof d === 'number' && d > 0 ? d : null;

/**
 * Defaults from a model input shape: [N,1,28,28] -> gray 28x28 NCHW; [N,3,224,224] -> RGB NCHW;
 * [N,224,224,3] -> NHWC; [N,784] -> gray 28x28 flattened ([N,2352] -> RGB). Scale 0..1, no mean/std:
 * the shape cannot tell raw 0..255 or normalized models apart, so the UI must let the user choose.
 */
export function inferPreprocessOptions(shape: readonly (number | string | null)[]): PreprocessOptions {
  const o = { ...defaultPreprocessOptions, mean: [0], std: [1] };
  const rest = shape.slice(1).map(fixed);
  if (rest.length === 3) {
    const [a, b, c] = rest;
    if (a === 1 || a === 3 || (a === null && c !== 1 && c !== 3)) {
      return {
        ...o,
        layout: 'NCHW',
        channels: a === 1 ? 'gray' : 'rgb',
        height: b ?? o.height,
        width: c ?? o.width,
      };
    }
    return {
      ...o,
      layout: 'NHWC',
      channels: c === 1 ? 'gray' : 'rgb',
      height: a ?? o.height,
      width: b ?? o.width,
    };
  }
  if (rest.length === 2) return { ...o, channels: 'gray', height: rest[0] ?? 28, width: rest[1] ?? 28 };
  if (rest.length === 1 && rest[0] !== null) {
    const k = rest[0];
    const side = (n: number) => (Number.isInteger(Math.sqrt(n)) ? Math.sqrt(n) : null);
    const gray = side(k);
    const rgb = k % 3 === 0 ? side(k / 3) : null;
    if (gray !== null) return { ...o, channels: 'gray', width: gray, height: gray, flatten: true };
    if (rgb !== null) return { ...o, channels: 'rgb', width: rgb, height: rgb, flatten: true };
  }
  return o;
}

/** Per-sample output dims (no batch axis). */
export function preprocessedDims(o: PreprocessOptions): number[] {
  const c = channelCount(o.channels);
  if (o.flatten) return [c * o.height * o.width];
  return o.layout === 'NCHW' ? [c, o.height, o.width] : [o.height, o.width, c];
}

export function validatePreprocessOptions(o: PreprocessOptions): void {
  const c = channelCount(o.channels);
  const bad = (what: string) => sampleSetError(`preprocessing: ${what}`);
  if (!(Number.isInteger(o.width) && o.width > 0 && Number.isInteger(o.height) && o.height > 0)) {
    throw bad(`size must be positive integers, got ${o.width}x${o.height}`);
  }
  for (const [name, v] of [
    ['mean', o.mean],
    ['std', o.std],
  ] as const) {
    if (v.length !== 1 && v.length !== c)
      throw bad(`${name} needs 1 or ${c} values for ${o.channels}, got ${v.length}`);
    if (v.some((x) => !Number.isFinite(x)))
      throw bad(`${name} values must be finite numbers, got [${v.join(', ')}]`);
  }
  if (o.std.some((x) => x === 0)) throw bad(`std must not be 0, got [${o.std.join(', ')}]`);
}

const f = Math.fround;

/** Source pixels as float planes in the model's channel order, at the source resolution. */
function toPlanes(img: DecodedImage, order: ChannelOrder, path: string): Float32Array[] {
  const n = img.width * img.height;
  const ch = img.channels ?? 4;
  const d = img.data;
  if (d.length < n * ch)
    throw sampleSetError(`${path}: ${d.length} pixel bytes for ${img.width}x${img.height}x${ch}`);
  const plane = (k: number) => {
    const p = new Float32Array(n);
    for (let i = 0; i < n; i++) p[i] = d[i * ch + k];
    return p;
  };
  if (ch < 3) {
    const g = plane(0); // gray or gray+alpha
    return order === 'gray' ? [g] : [g, g, g];
  }
  const [r, g, b] = [plane(0), plane(1), plane(2)];
  if (order === 'rgb') return [r, g, b];
  if (order === 'bgr') return [b, g, r];
  const y = new Float32Array(n);
  // ITU-R BT.601 luma; an already-gray image (r = g = b) keeps its exact values.
  for (let i = 0; i < n; i++)
    y[i] = r[i] === g[i] && g[i] === b[i] ? r[i] : f(0.299 * r[i] + 0.587 * g[i] + 0.114 * b[i]);
  return [y];
}

/**
 * Bilinear resize with half-pixel centres (OpenCV INTER_LINEAR / ONNX Resize 'half_pixel', edges clamped).
 * No antialiasing: strong downscales alias, as in OpenCV; pre-shrink such images for a faithful result.
 */
export function resizeBilinear(
  src: Float32Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
): Float32Array {
  if (sw === dw && sh === dh) return src;
  const out = new Float32Array(dw * dh);
  const sx = sw / dw;
  const sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), sh - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = fy - y0;
    for (let x = 0; x < dw; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), sw - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = fx - x0;
      const top = src[y0 * sw + x0] * (1 - wx) + src[y0 * sw + x1] * wx;
      const bottom = src[y1 * sw + x0] * (1 - wx) + src[y1 * sw + x1] * wx;
      out[y * dw + x] = top * (1 - wy) + bottom * wy;
    }
  }
  return out;
}

/** One decoded image -> one sample of `preprocessedDims(o)` values. `path` is only for messages. */
export function preprocessImage(img: DecodedImage, o: PreprocessOptions, path = 'image'): Float32Array {
  validatePreprocessOptions(o);
  const planes = toPlanes(img, o.channels, path).map((p) =>
    resizeBilinear(p, img.width, img.height, o.width, o.height),
  );
  const c = planes.length;
  const hw = o.width * o.height;
  const out = new Float32Array(c * hw);
  for (let k = 0; k < c; k++) {
    const mean = f(o.mean[o.mean.length === 1 ? 0 : k]);
    const std = f(o.std[o.std.length === 1 ? 0 : k]);
    const identity = mean === 0 && std === 1;
    const p = planes[k];
    for (let i = 0; i < hw; i++) {
      let v = o.range === '0..1' ? f(p[i] / 255) : p[i];
      if (!identity) v = f(f(v - mean) / std);
      out[o.layout === 'NCHW' ? k * hw + i : i * c + k] = v;
    }
  }
  return out;
}

export interface PreviewStats {
  min: number;
  max: number;
  mean: number;
}

/** min/max/mean of one preprocessed sample, so users see at a glance whether it is 0..1, 0..255 or normalized. */
export function previewStats(sample: ArrayLike<number>): PreviewStats {
  if (sample.length === 0) return { min: NaN, max: NaN, mean: NaN };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < sample.length; i++) {
    const v = sample[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, mean: sum / sample.length };
}
