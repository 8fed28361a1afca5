// Serializing: onnx-buf keeps unknown fields and field order, so read -> write is byte-identical.
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { lazyRaw, readLazyRaw } from './lazy';
import { mapTensors } from './proto';

/** One buffer of the whole model. Tensors still in the model file must be read first (readLazyTensors). */
export function serializeModel(proto: ModelProto): Uint8Array {
  mapTensors(proto, (t) => {
    if (lazyRaw(t))
      throw new Error(`serializeModel: tensor '${t.name}' is still in the model file (readLazyTensors)`);
    return t;
  });
  try {
    return toBinary(ModelProtoSchema, proto);
  } catch (e) {
    // e.g. a RangeError when the model exceeds what one buffer can hold (use external data beyond 2 GB)
    throw new StudioError(
      'UnsupportedModelError',
      `cannot serialize the model (${e instanceof Error ? e.message : String(e)})`,
      {
        cause: e,
      },
    );
  }
}

/** A copy of the model with every tensor still in the model file read in (for a runtime that takes one buffer). */
export async function readLazyTensors(proto: ModelProto): Promise<ModelProto> {
  const read = new Map<object, Uint8Array>();
  mapTensors(proto, (t) => {
    const ref = lazyRaw(t);
    if (ref) read.set(t, new Uint8Array(0));
    return t;
  });
  for (const t of read.keys()) {
    const tensor = t as Parameters<typeof lazyRaw>[0];
    read.set(t, await readLazyRaw(tensor, lazyRaw(tensor)!));
  }
  if (read.size === 0) return proto;
  return mapTensors(proto, (t) => {
    const bytes = read.get(t);
    return bytes
      ? Object.assign(Object.create(Object.getPrototypeOf(t) as object), t, { rawData: bytes })
      : t;
  });
}
