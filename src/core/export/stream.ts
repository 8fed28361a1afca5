// The exported .onnx as a list of parts: the graph is serialized with a 16-byte marker in place of each large
// raw_data, then a wire-level walk splices the real bytes back in as parts (the tensor's own buffer, or its slice of
// the source file) and rewrites the enclosing length prefixes. Same bytes as serializing the whole model, without
// ever holding it in one buffer.
import type { ModelProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { lazyRaw } from '../onnx/lazy';
import { mapTensors, shallowCopy } from '../onnx/proto';
import { memorySource, Sink, walk } from '../onnx/wire';
import { serializeModel } from '../onnx/write';
import { PROTOBUF_LIMIT, partBytes, partLength, type DataPart } from './external-data';

/** A file as parts to write one after another. */
export interface ModelFile {
  parts: DataPart[];
  size: number;
}

/** raw_data of at least this many bytes is written from its own buffer instead of being copied into the graph's. */
const HOLE_MIN_BYTES = 64 * 1024;
const MAGIC = [...'QStudioHole!'].map((c) => c.charCodeAt(0));

/** Serializes a model as parts; large and still-unread raw_data are spliced in, never copied together. */
export async function serializeParts(proto: ModelProto): Promise<ModelFile> {
  const holes: DataPart[] = [];
  const marked = mapTensors(proto, (t) => {
    const ref = lazyRaw(t);
    if (!ref && t.rawData.byteLength < HOLE_MIN_BYTES) return t;
    const marker = new Uint8Array(16);
    marker.set(MAGIC);
    new DataView(marker.buffer).setUint32(12, holes.length, true);
    holes.push(
      ref
        ? { kind: 'slice', blob: ref.blob, start: ref.start, end: ref.end }
        : { kind: 'bytes', bytes: t.rawData },
    );
    return shallowCopy(t, { rawData: marker });
  });
  const small = serializeModel(marked);
  if (holes.length === 0) return { parts: [{ kind: 'bytes', bytes: small }], size: small.length };
  const sink = new Sink();
  let found = 0;
  await walk(
    memorySource(small),
    'model',
    0,
    small.length,
    '',
    (_path, at, length) => {
      if (length !== 16 || !MAGIC.every((m, i) => small[at + i] === m)) return null;
      const id = new DataView(small.buffer, small.byteOffset + at + 12, 4).getUint32(0, true);
      if (id >= holes.length) return null;
      found++;
      return { hole: id, length: partLength(holes[id]) };
    },
    sink,
  );
  if (found !== holes.length) throw new Error(`serializeParts: ${found} of ${holes.length} tensors placed`);
  if (sink.size > PROTOBUF_LIMIT) {
    throw new StudioError(
      'UnsupportedModelError',
      `the exported model does not fit one ONNX file (protobuf's 2 GiB limit): ${sink.size} bytes; use external data`,
    );
  }
  sink.flush();
  const parts = sink.pieces.map((p): DataPart =>
    p instanceof Uint8Array ? { kind: 'bytes', bytes: p } : holes[p.hole],
  );
  return { parts, size: sink.size };
}

/** The parts as one buffer (tests and small models; every part must be in memory). */
export function joinParts(file: ModelFile): Uint8Array {
  const out = new Uint8Array(file.size);
  let at = 0;
  for (const p of file.parts) {
    if (p.kind === 'slice') throw new Error('joinParts: a part is still in a file; read it with partBytes');
    if (p.kind === 'bytes') out.set(p.bytes, at);
    at += partLength(p);
  }
  return out;
}

/** The parts as one buffer, slices read from their files (tests, and runtimes that take one buffer). */
export async function readParts(file: ModelFile): Promise<Uint8Array> {
  const out = new Uint8Array(file.size);
  let at = 0;
  for (const p of file.parts) {
    out.set(await partBytes(p), at);
    at += partLength(p);
  }
  return out;
}
