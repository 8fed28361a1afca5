import { create } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType,
  AttributeProtoSchema,
  NodeProtoSchema,
  type AttributeProto,
  type NodeProto,
} from 'onnx-buf';

export const intAttr = (name: string, value: number): AttributeProto =>
  create(AttributeProtoSchema, { name, type: AttributeProto_AttributeType.INT, i: BigInt(value) });

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  opts: { name: string; domain?: string; attributes?: AttributeProto[] },
): NodeProto {
  return create(NodeProtoSchema, {
    opType,
    input: inputs,
    output: outputs,
    name: opts.name,
    domain: opts.domain ?? '',
    attribute: opts.attributes ?? [],
  });
}
