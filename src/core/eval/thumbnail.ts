// Small RGBA renderings for the UI: decoded images (gallery), preprocessed inputs (preview) and image-shaped tensors.
import type { DecodedImage, PreprocessOptions } from '../samples';
import type { RgbaImage } from './results';

export const DEFAULT_THUMBNAIL_SIZE = 96;

/** Any decoded image (1–4 channels) as RGBA, unscaled. */
export function decodedToRgba(img: DecodedImage): RgbaImage {
  const ch = img.channels ?? 4;
  const n = img.width * img.height;
  const out = new Uint8ClampedArray(n * 4);
  const d = img.data;
  for (let i = 0; i < n; i++) {
    const s = i * ch;
    const gray = ch < 3;
    out[i * 4] = d[s];
    out[i * 4 + 1] = gray ? d[s] : d[s + 1];
    out[i * 4 + 2] = gray ? d[s] : d[s + 2];
    out[i * 4 + 3] = ch === 2 ? d[s + 1] : ch === 4 ? d[s + 3] : 255;
  }
  return { width: img.width, height: img.height, data: out };
}

/** Shrinks (area average) so neither side exceeds `maxSize`; never enlarges (the UI scales up with CSS). */
export function fitRgba(img: RgbaImage, maxSize: number): RgbaImage {
  const scale = Math.min(1, maxSize / Math.max(img.width, img.height));
  if (scale >= 1) return img;
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  const out = new Uint8ClampedArray(w * h * 4);
  const sx = img.width / w;
  const sy = img.height / h;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y * sy);
    const y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x * sx);
      const x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
      for (let c = 0; c < 4; c++) {
        let sum = 0;
        for (let yy = y0; yy < y1; yy++)
          for (let xx = x0; xx < x1; xx++) sum += img.data[(yy * img.width + xx) * 4 + c];
        out[(y * w + x) * 4 + c] = sum / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return { width: w, height: h, data: out };
}

/** Planes [c][h·w] (1 = gray, 3 = RGB display order) stretched from their joint min..max to 0..255. */
function planesToRgba(planes: Float32Array[], width: number, height: number): RgbaImage {
  let min = Infinity;
  let max = -Infinity;
  for (const p of planes) {
    for (let i = 0; i < p.length; i++) {
      const v = p[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const span = max > min ? max - min : 1;
  const n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      const v = planes[planes.length === 1 ? 0 : c][i];
      out[i * 4 + c] = Number.isFinite(v) ? Math.round(((v - min) / span) * 255) : 0;
    }
    out[i * 4 + 3] = 255;
  }
  return { width, height, data: out };
}

function split(values: Float32Array, c: number, hw: number, channelsFirst: boolean): Float32Array[] {
  if (channelsFirst) return Array.from({ length: c }, (_, k) => values.subarray(k * hw, (k + 1) * hw));
  return Array.from({ length: c }, (_, k) => Float32Array.from({ length: hw }, (_, i) => values[i * c + k]));
}

/** A preprocessed sample, drawn the way the model sees it (BGR is swapped back for display). */
export function preprocessedToRgba(values: Float32Array, o: PreprocessOptions, maxSize: number): RgbaImage {
  const c = o.channels === 'gray' ? 1 : 3;
  const planes = split(values, c, o.width * o.height, o.layout === 'NCHW');
  if (o.channels === 'bgr') planes.reverse();
  return fitRgba(planesToRgba(planes, o.width, o.height), maxSize);
}

/** [C,H,W], [H,W,C] (C = 1 or 3), [H,W] or a square [H·W] vector; leading 1s are dropped. Null otherwise. */
export function imageLayoutOf(
  dims: readonly number[],
): { c: number; h: number; w: number; channelsFirst: boolean } | null {
  const d = [...dims];
  while (d.length > 3 && d[0] === 1) d.shift();
  const ok = (n: number) => Number.isInteger(n) && n >= 4;
  if (d.length === 3) {
    if ((d[0] === 1 || d[0] === 3) && ok(d[1]) && ok(d[2]))
      return { c: d[0], h: d[1], w: d[2], channelsFirst: true };
    if ((d[2] === 1 || d[2] === 3) && ok(d[0]) && ok(d[1]))
      return { c: d[2], h: d[0], w: d[1], channelsFirst: false };
    return null;
  }
  if (d.length === 2 && ok(d[0]) && ok(d[1])) return { c: 1, h: d[0], w: d[1], channelsFirst: true };
  if (d.length === 1 && d[0] >= 16 && Number.isInteger(Math.sqrt(d[0]))) {
    const s = Math.sqrt(d[0]);
    return { c: 1, h: s, w: s, channelsFirst: true };
  }
  return null;
}

/** A tensor sample rendered when it is image-shaped (values stretched min..max), else null. */
export function tensorToRgba(
  values: Float32Array,
  dims: readonly number[],
  maxSize: number,
): RgbaImage | null {
  const layout = imageLayoutOf(dims);
  if (!layout) return null;
  const { c, h, w, channelsFirst } = layout;
  return fitRgba(planesToRgba(split(values, c, h * w, channelsFirst), w, h), maxSize);
}
