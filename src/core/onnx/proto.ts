import type { TensorProto } from 'onnx-buf';
import { lazyRaw, markLazy } from './lazy';
import { CHILDREN, type Kind } from './wire';

/**
 * A shallow copy of a protobuf message with some fields replaced. Object spread would lose the proto2 field
 * defaults, which protobuf-es keeps on the message prototype (e.g. an unset raw_data). A tensor whose raw_data is
 * still in the model file keeps pointing there unless the patch gives raw_data.
 */
export function shallowCopy<T extends object>(message: T, patch: Partial<T>): T {
  const copy = Object.assign(Object.create(Object.getPrototypeOf(message) as object) as T, message, patch);
  const ref = lazyRaw(message as never);
  if (ref && !('rawData' in patch)) markLazy(copy as never, ref);
  return copy;
}

/**
 * A copy of `message` (a ModelProto by default) with every tensor of the graphs, Constant attributes and subgraphs
 * replaced by fn(t) (the tensors a lazy open can leave in the file); only the messages on a changed path are copied.
 */
export function mapTensors<T extends object>(
  message: T,
  fn: (t: TensorProto) => TensorProto,
  kind: Kind = 'model',
): T {
  const patch: Record<string, unknown> = {};
  const map = (v: object, k: Kind) => (k === 'tensor' ? fn(v as TensorProto) : mapTensors(v, fn, k));
  for (const child of CHILDREN[kind].values()) {
    const value = (message as Record<string, unknown>)[child.prop];
    if (child.repeated) {
      const list = value as object[];
      const mapped = list.map((v) => map(v, child.kind));
      if (mapped.some((m, i) => m !== list[i])) patch[child.prop] = mapped;
    } else if (value) {
      const mapped = map(value as object, child.kind);
      if (mapped !== value) patch[child.prop] = mapped;
    }
  }
  return Object.keys(patch).length ? shallowCopy(message, patch as Partial<T>) : message;
}
