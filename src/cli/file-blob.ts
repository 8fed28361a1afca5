// Files read as BlobLike: a model, its external data or a sample file, sliced and read tensor by tensor.
import { open, stat } from 'node:fs/promises';
import { StudioError } from '../core/errors';
import type { BlobLike } from '../core/onnx/types';

/**
 * A file as a BlobLike whose slices are read with one positioned read into a fresh buffer. Node's own Blob from
 * openAsBlob reads in chunks and joins them (twice the copying per tensor), and Node 20 reports the size of a file
 * past 4 GiB modulo 2^32.
 */
export interface FileBlob extends BlobLike {
  slice(start?: number, end?: number): FileBlob;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/**
 * Read buffers given back once nothing else holds them (the RTN threads' tensors, moved back when quantized): the
 * next read of the same size fills one again instead of a fresh allocation, whose first touch of every page costs
 * the kernel a fault and a zeroing (half the CPU time of a 2.6 GB quantize went there). A few are kept at most.
 */
const recycled: ArrayBuffer[] = [];
const RECYCLED_MAX = 4;

/** `buffer` is no longer used by anyone (no view of it is kept anywhere): a later read of its size may fill it. */
export function recycleReadBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0 || recycled.includes(buffer)) return;
  recycled.push(buffer);
  if (recycled.length > RECYCLED_MAX) recycled.shift();
}

/** A buffer of `size` bytes for a read (not zeroed): a given-back one of that size, else a fresh one. */
export function readBuffer(size: number): Buffer<ArrayBuffer> {
  const i = recycled.findIndex((b) => b.byteLength === size);
  if (i >= 0) return Buffer.from(recycled.splice(i, 1)[0], 0, size);
  return Buffer.allocUnsafeSlow(size);
}

export function fileBlob(path: string, start: number, end: number): FileBlob {
  return {
    size: end - start,
    slice(a = 0, b = end - start) {
      const from = start + Math.min(Math.max(a, 0), end - start);
      return fileBlob(path, from, Math.max(from, start + Math.min(Math.max(b, 0), end - start)));
    },
    async arrayBuffer() {
      // Not zero-filled (every byte is read over, a short read returns only what was read) and never shared: the
      // buffer is this slice's alone (fresh, or given back by recycleReadBuffer), so a reader may move or view it whole.
      const buf = readBuffer(end - start);
      const fh = await open(path, 'r');
      let at = 0;
      try {
        while (at < buf.length) {
          const { bytesRead } = await fh.read(buf, at, buf.length - at, start + at);
          if (bytesRead === 0) break; // shorter than when opened: the reader reports a short read
          at += bytesRead;
        }
      } finally {
        await fh.close();
      }
      return at === buf.length ? buf.buffer : buf.buffer.slice(0, at);
    },
    async text() {
      return new TextDecoder().decode(await this.arrayBuffer());
    },
  };
}

/** A whole file as a FileBlob (its size from stat: right past 4 GiB, where Node 20's openAsBlob is not). */
export async function openFileBlob(path: string): Promise<FileBlob> {
  const info = await stat(path);
  if (!info.isFile()) throw new StudioError('OnnxParseError', `${path} is not a file`);
  return fileBlob(path, 0, info.size);
}
