// Serializing: onnx-buf keeps unknown fields and field order, so read -> write is byte-identical.
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, type ModelProto } from 'onnx-buf';
import { StudioError } from '../errors';

export function serializeModel(proto: ModelProto): Uint8Array {
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
