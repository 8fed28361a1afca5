// The evaluate worker: the only module that imports onnxruntime-web. Wasm build (no WebGPU binary), threads only
// when the page is cross-origin isolated (docs/vite-ort.md).
import { expose } from 'comlink';
import * as ort from 'onnxruntime-web/wasm';
import { decodePngImage } from '../core/samples';
import type { DecodedImage } from '../core/samples';
import { createEvaluateApi } from './evaluate.api';
import { wasmThreads } from './ort-backend';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** PNG through core's decoder (exact values, same as the CLI); JPEG, WebP, BMP, GIF through the browser. */
async function decodeImage(bytes: Uint8Array, path: string): Promise<DecodedImage> {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePngImage(bytes, path);
  const bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context in this worker');
    ctx.drawImage(bitmap, 0, 0);
    const { data, width, height } = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
    return { width, height, data, channels: 4 };
  } finally {
    bitmap.close();
  }
}

const threads = wasmThreads(self.crossOriginIsolated, navigator.hardwareConcurrency || 1);
ort.env.wasm.numThreads = threads.threads;
ort.env.wasm.proxy = false; // already in a worker

// In a production build ORT starts its pthread workers from this very module; only the real worker exposes the API.
if ((self as { name?: string }).name !== 'em-pthread') {
  expose(createEvaluateApi(ort, { decodeImage, threadsWhy: threads.why }));
}
