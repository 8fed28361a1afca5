// Copy-on-write editing of a model's graphs, main and nested, addressed by graph path.
import type { GraphProto, ModelProto } from 'onnx-buf';
import { shallowCopy } from './proto';
import { pathKey } from './scope';
import type { GraphPath } from './types';

const copyGraph = (g: GraphProto): GraphProto =>
  shallowCopy(g, {
    node: [...g.node],
    initializer: [...g.initializer],
    input: [...g.input],
    valueInfo: [...g.valueInfo],
  });

/**
 * Copy-on-write access to the main graph and any subgraph by path, so the source model (still open in the worker)
 * is never mutated. A subgraph's copy is hung into a copy of its parent node; node indices never change here.
 */
export class EditableModel {
  readonly model: ModelProto;
  private readonly graphs = new Map<string, GraphProto>();
  constructor(proto: ModelProto) {
    const graph = copyGraph(proto.graph!);
    this.model = shallowCopy(proto, { graph, opsetImport: proto.opsetImport.map((o) => shallowCopy(o, {})) });
    this.graphs.set('', graph);
  }
  graph(path: GraphPath): GraphProto {
    const key = pathKey(path);
    const have = this.graphs.get(key);
    if (have) return have;
    const parent = this.graph(path.slice(0, -1));
    const { nodeIndex, attribute } = path[path.length - 1];
    const node = parent.node[nodeIndex];
    const attr = node.attribute.find((a) => a.name === attribute && a.g);
    if (!attr?.g) throw new Error(`no subgraph ${attribute} on node ${nodeIndex}`);
    const copy = copyGraph(attr.g);
    parent.node[nodeIndex] = shallowCopy(node, {
      attribute: node.attribute.map((a) => (a === attr ? shallowCopy(a, { g: copy }) : a)),
    });
    this.graphs.set(key, copy);
    return copy;
  }
  all(): GraphProto[] {
    return [...this.graphs.values()];
  }
}
