// MNIST idx files (`t10k-images-idx3-ubyte`, `t10k-labels-idx1-ubyte`, optionally gzipped).
// Format: 2 zero bytes, a type code (0x08 = ubyte), the dim count, big-endian uint32 dims, then the data.
import { gunzipSync } from 'fflate';
import { formatCount, sampleSetError } from './paths';
import type { ImageSampleSet } from './types';

export interface IdxArray {
  name: string;
  dims: number[];
  data: Uint8Array;
}

const isGzip = (b: Uint8Array): boolean => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export const looksLikeIdx = (b: Uint8Array): boolean =>
  b.length >= 4 && b[0] === 0 && b[1] === 0 && b[3] >= 1 && b[3] <= 4;

export function parseIdx(raw: Uint8Array, name: string): IdxArray {
  let bytes = raw;
  if (isGzip(raw)) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw sampleSetError(`${name}: corrupt gzip data (${e instanceof Error ? e.message : String(e)})`, e);
    }
  }
  if (!looksLikeIdx(bytes)) throw sampleSetError(`${name}: not an idx file (expected magic 00 00 08 0N)`);
  if (bytes[2] !== 0x08) {
    throw sampleSetError(
      `${name}: idx element type 0x${bytes[2].toString(16)} is not supported (expected 0x08, unsigned byte)`,
    );
  }
  const rank = bytes[3];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 + 4 * rank) throw sampleSetError(`${name}: truncated idx header`);
  const dims = Array.from({ length: rank }, (_, i) => dv.getUint32(4 + 4 * i, false));
  const n = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * rank;
  if (bytes.length - start < n) {
    throw sampleSetError(
      `${name}: truncated: dims ${dims.join('x')} need ${n} bytes, found ${bytes.length - start}`,
    );
  }
  return { name, dims, data: bytes.subarray(start, start + n) };
}

/** An images idx (N,H,W) plus an optional labels idx (N) as a grayscale image set. */
export function idxImageSet(images: IdxArray, labels: IdxArray | null): ImageSampleSet {
  if (images.dims.length !== 3) {
    throw sampleSetError(
      `${images.name}: expected an images file with 3 dims (count, rows, cols), found ${images.dims.length} (${images.dims.join('x')})`,
    );
  }
  const [count, height, width] = images.dims;
  if (labels) {
    if (labels.dims.length !== 1)
      throw sampleSetError(
        `${labels.name}: expected a labels file with 1 dim, found ${labels.dims.join('x')}`,
      );
    if (labels.dims[0] !== count) {
      throw sampleSetError(
        `${labels.name} has ${formatCount(labels.dims[0])} labels but ${images.name} has ${formatCount(count)} images`,
      );
    }
  }
  const size = height * width;
  return {
    kind: 'images',
    source: 'idx',
    sourceName: labels ? `${images.name} + ${labels.name}` : images.name,
    count,
    names: Array.from({ length: count }, (_, i) => `${images.name}#${i}`),
    labels: labels ? Int32Array.from(labels.data) : null,
    classes: null,
    notes: labels ? [] : ['no idx labels file: fidelity only'],
    firstImage: count > 0 ? { width, height, channels: 1 } : null,
    load: (i) => {
      if (!(i >= 0 && i < count))
        return Promise.reject(sampleSetError(`${images.name}: sample ${i} out of range 0..${count - 1}`));
      return Promise.resolve({
        width,
        height,
        channels: 1,
        data: images.data.subarray(i * size, (i + 1) * size),
      });
    },
  };
}
