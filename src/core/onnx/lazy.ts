// Tensors whose raw_data stays in the model file until it is read: opening a model parses the graph without the
// large raw_data fields (a wire-level walk records where they are) and each is read from a Blob slice on demand,
// so a model is never held in memory whole.
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto, type TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import type { BlobLike } from './types';
import { blobSource, resolvePath, Sink, walk, WireError } from './wire';

/** Where a tensor's raw_data lies in the model file. */
export interface LazyRaw {
  blob: BlobLike;
  start: number;
  end: number;
}

/** raw_data of at least this many bytes is left in the file when a model is opened from a Blob. */
export const LAZY_MIN_BYTES = 64 * 1024;

const lazy = new WeakMap<TensorProto, LazyRaw>();

export const lazyRaw = (t: TensorProto): LazyRaw | undefined => lazy.get(t);

/** `t`'s raw_data is the byte range `ref` (its own rawData stays unset). */
export function markLazy(t: TensorProto, ref: LazyRaw): void {
  lazy.set(t, ref);
}

/** Bytes of raw_data, held or still in the file. */
export const rawDataLength = (t: TensorProto): number => {
  const ref = lazy.get(t);
  return ref ? ref.end - ref.start : t.rawData.byteLength;
};

/** Reads a lazy tensor's raw_data (a copy the caller owns). */
export async function readLazyRaw(t: TensorProto, ref: LazyRaw): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await ref.blob.slice(ref.start, ref.end).arrayBuffer());
  } catch (e) {
    throw new StudioError(
      'OnnxParseError',
      `tensor '${t.name}': cannot read its data from the model file (${e instanceof Error ? e.message : String(e)}); was the file moved or changed?`,
      { cause: e },
    );
  }
  if (bytes.byteLength !== ref.end - ref.start)
    throw new StudioError(
      'OnnxParseError',
      `tensor '${t.name}': short read from the model file: expected ${ref.end - ref.start} bytes, got ${bytes.byteLength}`,
    );
  return bytes;
}

/**
 * Decodes a ModelProto from a Blob, leaving raw_data of LAZY_MIN_BYTES and more in the file. Null when the file
 * is not laid out as the walk expects (then the caller reads and decodes it whole, which also words its errors).
 */
export async function decodeLazily(blob: BlobLike, minBytes = LAZY_MIN_BYTES): Promise<ModelProto | null> {
  const refs: { path: string; start: number; end: number }[] = [];
  const sink = new Sink();
  try {
    await walk(
      blobSource(blob),
      'model',
      0,
      blob.size,
      '',
      (path, payload, length) => {
        if (length < minBytes) return null;
        refs.push({ path, start: payload, end: payload + length });
        return 'drop';
      },
      sink,
    );
  } catch (e) {
    if (e instanceof WireError) return null;
    throw e;
  }
  sink.flush();
  const stripped = new Uint8Array(sink.size);
  let at = 0;
  for (const p of sink.pieces) {
    if (!(p instanceof Uint8Array)) return null;
    stripped.set(p, at);
    at += p.length;
  }
  let proto: ModelProto;
  try {
    proto = fromBinary(ModelProtoSchema, stripped);
  } catch {
    return null;
  }
  for (const r of refs) {
    const t = resolvePath(proto, r.path) as TensorProto | undefined;
    if (!t || t.$typeName !== 'onnx.TensorProto' || t.rawData.byteLength > 0) return null;
    markLazy(t, { blob, start: r.start, end: r.end });
  }
  return proto;
}
