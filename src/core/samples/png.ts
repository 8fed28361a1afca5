// The default image decoder: PNG only, pure JS (fast-png), so Node tests and workers decode real files.
// JPEG and other formats come from the decoder the app injects (the browser decodes them).
import { convertIndexedToRgb, decode, hasPngSignature } from 'fast-png';
import { baseName, extension, sampleSetError } from './paths';
import type { DecodedImage, ImageDecoder } from './types';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.gif'];
export const isImagePath = (p: string): boolean => IMAGE_EXTENSIONS.includes(extension(p));

/** PNG bytes -> 8-bit pixels with 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) channels. */
export const decodePngImage: ImageDecoder = (bytes, path) => {
  try {
    return Promise.resolve(decodePngSync(bytes, path));
  } catch (e) {
    return Promise.reject(e);
  }
};

export function decodePngSync(bytes: Uint8Array, path: string): DecodedImage {
  if (!hasPngSignature(bytes)) {
    const ext = extension(path);
    if (ext !== '.png' && isImagePath(path)) {
      throw sampleSetError(
        `${path}: ${ext.slice(1).toUpperCase()} images need the app's image decoder (the built-in decoder reads PNG only)`,
      );
    }
    throw sampleSetError(
      `${path}: not a PNG (corrupt image: the file does not start with the PNG signature)`,
    );
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    throw sampleSetError(
      `${path}: not a PNG (corrupt image: ${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
  const { width, height } = png;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    return { width, height, channels: png.palette[0].length === 4 ? 4 : 3, data: rgb };
  }
  const channels = png.channels as 1 | 2 | 3 | 4;
  const n = width * height * channels;
  if (png.depth === 8) return { width, height, channels, data: png.data as Uint8Array };
  const out = new Uint8Array(n);
  if (png.depth === 16) {
    const src = png.data as Uint16Array;
    for (let i = 0; i < n; i++) out[i] = Math.round(src[i] / 257);
    return { width, height, channels, data: out };
  }
  // 1/2/4-bit grayscale: rows are packed and byte-aligned; stretch levels to 0..255.
  const depth = png.depth;
  const src = png.data as Uint8Array;
  const max = (1 << depth) - 1;
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width * channels; x++) {
      const bit = x * depth;
      const v = (src[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & max;
      out[y * width * channels + x] = Math.round((v * 255) / max);
    }
  }
  return { width, height, channels, data: out };
}

/** Wraps a decoder so every failure is a SampleSetError naming the file. */
export function safeDecoder(decoder: ImageDecoder): ImageDecoder {
  return async (bytes, path) => {
    let img: DecodedImage;
    try {
      img = await decoder(bytes, path);
    } catch (e) {
      if (e instanceof Error && e.name === 'SampleSetError') throw e;
      throw sampleSetError(
        `${path}: could not be decoded as an image (corrupt image: ${e instanceof Error ? e.message : String(e)})`,
        e,
      );
    }
    const c = img.channels ?? 4;
    if (img.data.length < img.width * img.height * c) {
      throw sampleSetError(
        `${path}: decoder returned ${img.data.length} bytes for ${img.width}x${img.height}x${c} (${baseName(path)})`,
      );
    }
    return img;
  };
}
