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

/** Hands out value names that collide with nothing in the graph (or with each other). */
export class NameScope {
  readonly #taken: Set<string>;
  constructor(taken: Iterable<string>) {
    this.#taken = new Set(taken);
  }
  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.#taken.has(name); i++) name = `${base}_${i}`;
    this.#taken.add(name);
    return name;
  }
}
