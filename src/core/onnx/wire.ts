// A protobuf wire-format walk over the messages of a model that hold large tensors (graph initializers, Constant
// attributes, subgraphs), re-emitting every other field byte for byte. The reader uses it to leave large raw_data
// out of the parse (read later from a Blob slice); the writer to splice tensor bytes into a serialized model
// without one concatenated buffer. Both sides walk the same table, so a tensor's path names it in both.
import type { BlobLike } from './types';

export type Kind = 'model' | 'graph' | 'node' | 'attr' | 'tensor';

interface Child {
  kind: Kind;
  /** Property of the protobuf-es message holding it. */
  prop: string;
  repeated: boolean;
}

/** Field number -> child message, for the fields the walk descends into (onnx.proto). */
export const CHILDREN: Record<Kind, ReadonlyMap<number, Child>> = {
  model: new Map([[7, { kind: 'graph', prop: 'graph', repeated: false }]]),
  graph: new Map([
    [1, { kind: 'node', prop: 'node', repeated: true }],
    [5, { kind: 'tensor', prop: 'initializer', repeated: true }],
  ]),
  node: new Map([[5, { kind: 'attr', prop: 'attribute', repeated: true }]]),
  attr: new Map([
    [5, { kind: 'tensor', prop: 't', repeated: false }],
    [6, { kind: 'graph', prop: 'g', repeated: false }],
    [10, { kind: 'tensor', prop: 'tensors', repeated: true }],
    [11, { kind: 'graph', prop: 'graphs', repeated: true }],
  ]),
  tensor: new Map(),
};

/** TensorProto.raw_data. */
export const RAW_DATA = 9;

/** The walk met something it does not follow (a merged singular field, a group, a truncated field). */
export class WireError extends Error {}

/** Bytes to read, a window at a time. */
export interface WireSource {
  readonly size: number;
  /** Makes [pos, pos + n) (clipped to the end) readable through bytes(). */
  ensure(pos: number, n: number): Promise<void> | void;
  bytes(start: number, end: number): Uint8Array;
}

export const memorySource = (buf: Uint8Array): WireSource => ({
  size: buf.length,
  ensure: () => {},
  bytes: (a, b) => buf.subarray(a, b),
});

/** A Blob read in windows of `window` bytes (or one field, when a field is larger). */
export function blobSource(blob: BlobLike, window = 1 << 16): WireSource {
  let start = 0;
  let buf = new Uint8Array(0);
  return {
    size: blob.size,
    async ensure(pos, n) {
      const end = Math.min(blob.size, pos + n);
      if (pos >= start && end <= start + buf.length) return;
      buf = new Uint8Array(
        await blob.slice(pos, Math.min(blob.size, pos + Math.max(n, window))).arrayBuffer(),
      );
      start = pos;
    },
    bytes: (a, b) => {
      if (a < start || b > start + buf.length) throw new WireError(`read ${a}..${b} outside the window`);
      return buf.subarray(a - start, b - start);
    },
  };
}

/** A piece of output: bytes, or a hole the caller fills with a tensor's raw_data. */
export type Piece = Uint8Array | { hole: number; length: number };

/** Collects output, appending small byte runs into one growing chunk. */
export class Sink {
  readonly pieces: Piece[] = [];
  size = 0;
  private chunk = new Uint8Array(4096);
  private used = 0;
  bytes(b: Uint8Array): void {
    if (this.used + b.length > this.chunk.length) {
      const grown = new Uint8Array(Math.max(this.chunk.length * 2, this.used + b.length));
      grown.set(this.chunk.subarray(0, this.used));
      this.chunk = grown;
    }
    this.chunk.set(b, this.used);
    this.used += b.length;
    this.size += b.length;
  }
  hole(id: number, length: number): void {
    this.flush();
    this.pieces.push({ hole: id, length });
    this.size += length;
  }
  append(other: Sink): void {
    other.flush();
    for (const p of other.pieces) {
      if (p instanceof Uint8Array) this.bytes(p);
      else this.hole(p.hole, p.length);
    }
  }
  flush(): void {
    if (this.used === 0) return;
    this.pieces.push(this.chunk.slice(0, this.used));
    this.used = 0;
  }
}

export function encodeVarint(n: number): Uint8Array {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function readVarint(src: WireSource, pos: number, end: number): [number, number] {
  const b = src.bytes(pos, Math.min(end, pos + 10));
  let n = 0;
  let mul = 1;
  for (let i = 0; i < b.length; i++) {
    n += (b[i] & 0x7f) * mul;
    if (b[i] < 0x80) return [n, pos + i + 1];
    mul *= 0x80;
  }
  throw new WireError(`bad varint at ${pos}`);
}

/**
 * What to do with a tensor's raw_data field (`path` names the tensor): null keeps it as is, 'drop' leaves it out,
 * a hole writes its tag and `length` with a hole for the bytes.
 */
export type RawVisitor = (
  path: string,
  payload: number,
  length: number,
) => null | 'drop' | { hole: number; length: number };

/** Re-emits message `kind` in [start, end) into `sink` (its size counts holes at their length). */
export async function walk(
  src: WireSource,
  kind: Kind,
  start: number,
  end: number,
  path: string,
  visit: RawVisitor,
  sink: Sink,
): Promise<void> {
  const counts = new Map<number, number>();
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    await src.ensure(pos, 20);
    const [tag, afterTag] = readVarint(src, pos, end);
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new WireError(`field 0 at ${pos}`);
    let next: number;
    if (wire === 0) next = readVarint(src, afterTag, end)[1];
    else if (wire === 1) next = afterTag + 8;
    else if (wire === 5) next = afterTag + 4;
    else if (wire === 2) {
      const [len, payload] = readVarint(src, afterTag, end);
      next = payload + len;
      if (next > end) throw new WireError(`field ${field} runs past its message`);
      const index = counts.get(field) ?? 0;
      counts.set(field, index + 1);
      const child = CHILDREN[kind].get(field);
      if (child && !child.repeated && index > 0) throw new WireError(`field ${field} given twice`);
      const tagBytes = src.bytes(fieldStart, afterTag).slice();
      const here = `${path}/${field}.${index}`;
      if (child) {
        const sub = new Sink();
        await walk(src, child.kind, payload, next, here, visit, sub);
        sink.bytes(tagBytes);
        sink.bytes(encodeVarint(sub.size));
        sink.append(sub);
        pos = next;
        continue;
      }
      if (kind === 'tensor' && field === RAW_DATA) {
        if (index > 0) throw new WireError('raw_data given twice');
        const what = visit(path, payload, len);
        if (what === 'drop') {
          pos = next;
          continue;
        }
        if (what) {
          sink.bytes(tagBytes);
          sink.bytes(encodeVarint(what.length));
          sink.hole(what.hole, what.length);
          pos = next;
          continue;
        }
      }
    } else throw new WireError(`wire type ${wire} at ${pos}`);
    if (next > end) throw new WireError(`field ${field} runs past its message`);
    await src.ensure(fieldStart, next - fieldStart);
    sink.bytes(src.bytes(fieldStart, next));
    pos = next;
  }
  if (pos !== end) throw new WireError('message ends inside a field');
}

/** The message a walk path names in a parsed model (a tensor for raw_data paths), or undefined. */
export function resolvePath(root: object, path: string): object | undefined {
  let cur: unknown = root;
  let kind: Kind = 'model';
  for (const seg of path.split('/').slice(1)) {
    const [field, index] = seg.split('.').map(Number);
    const child: Child | undefined = CHILDREN[kind].get(field);
    if (!child || cur === undefined) return undefined;
    const value = (cur as Record<string, unknown>)[child.prop];
    cur = child.repeated ? (value as unknown[])[index] : value;
    kind = child.kind;
  }
  return cur as object | undefined;
}
