// Read buffers of a quantize run, filled again (as the CLI's src/cli/files.ts does with its file reads): a tensor's
// values buffer comes back from its RTN thread (rtn-pool.ts `recycle`) and the next tensor of its size is read into
// it, through a BYOB reader of the Blob's stream, instead of into a fresh buffer from `Blob.arrayBuffer()`. A fresh
// 180 MB buffer costs a page fault and a zeroing per 4 KiB, and the one it replaces lingers until the worker's next
// garbage collection: on a 2.6 GB model that was hundreds of MB of the quantize phase's peak.

const recycled: ArrayBuffer[] = [];
/** Enough for the tensors in flight (one per thread and one read ahead); older ones are dropped. */
const RECYCLED_MAX = 3;

/** `buffer` is no one's any more (no view of it is kept): a later read of its exact size may fill it. */
export function recycleReadBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0 || recycled.includes(buffer)) return; // 0: also a detached one
  recycled.push(buffer);
  if (recycled.length > RECYCLED_MAX) recycled.shift();
}

/** The run is over: the buffers go (held between runs they would be the worker's largest idle memory). */
export function dropReadBuffers(): void {
  recycled.length = 0;
}

const nativeRead = (b: Blob): Promise<ArrayBuffer> => Blob.prototype.arrayBuffer.call(b);

/** `slice`'s bytes into a recycled buffer of its size when there is one, else into a fresh one. */
async function readSlice(slice: Blob): Promise<ArrayBuffer> {
  const size = slice.size;
  const i = recycled.findIndex((b) => b.byteLength === size);
  if (i < 0) return nativeRead(slice);
  let buf = recycled.splice(i, 1)[0];
  let reader: ReadableStreamBYOBReader;
  try {
    reader = slice.stream().getReader({ mode: 'byob' });
  } catch {
    return nativeRead(slice); // no byte stream here: the buffer is dropped
  }
  let at = 0;
  while (at < size) {
    // Each read moves the buffer into the stream and gives it back (same memory, a new ArrayBuffer object).
    const { value, done } = await reader.read(new Uint8Array(buf, at, size - at));
    if (!value) throw new Error('the file stream ended without its buffer');
    buf = value.buffer as ArrayBuffer;
    at += value.byteLength;
    if (done) break;
  }
  if (at < size) return buf.slice(0, at); // shorter than when opened: the reader reports a short read
  void reader.cancel().catch(() => {});
  return buf;
}

/**
 * `blob` as a Blob whose slices read into recycled buffers (`slice(a, b).arrayBuffer()`, how the pipeline reads a
 * tensor); anything else (a download's Blob parts, `stream()`) sees the Blob it is.
 */
export function recyclingBlob(blob: Blob): Blob {
  const whole = blob.slice(0, blob.size, blob.type);
  const slice = (start?: number, end?: number, type?: string) => {
    const s = Blob.prototype.slice.call(whole, start, end, type);
    return Object.defineProperty(s, 'arrayBuffer', { value: () => readSlice(s) });
  };
  return Object.defineProperty(whole, 'slice', { value: slice });
}

/** A model file or external data file as the worker opens it: a Blob read through recycled buffers. */
export const readsRecycled = <T>(b: T): T => (b instanceof Blob ? (recyclingBlob(b) as T) : b); // Node tests: as is
