// Small graph queries the weight finder and the exporter share.
import type { AttributeProto, GraphProto, ModelProto, NodeProto, TensorProto } from 'onnx-buf';

/** Where a value is used: a node input, a subgraph of a node (If/Loop/Scan body), or a graph output. */
export type ValueUse =
  | { kind: 'node'; nodeIndex: number; inputIndex: number }
  | { kind: 'subgraph'; nodeIndex: number; inputIndex: -1 }
  | { kind: 'graphOutput'; nodeIndex: -1; inputIndex: number };

/** Subgraphs held by one attribute (`g` and `graphs`). */
export function attributeGraphs(attr: AttributeProto): GraphProto[] {
  return attr.g ? [attr.g, ...attr.graphs] : attr.graphs;
}

/** Calls fn on the graph and every nested subgraph, depth first. */
export function forEachGraph(graph: GraphProto, fn: (g: GraphProto) => void): void {
  fn(graph);
  for (const node of graph.node) {
    for (const attr of node.attribute) for (const g of attributeGraphs(attr)) forEachGraph(g, fn);
  }
}

/** Calls fn on every tensor stored in the model: initializers, sparse values, tensor attributes, subgraphs, functions. */
export function forEachTensor(proto: ModelProto, fn: (t: TensorProto) => void): void {
  const visitNodes = (nodes: NodeProto[]) => {
    for (const node of nodes) {
      for (const attr of node.attribute) {
        if (attr.t) fn(attr.t);
        for (const t of attr.tensors) fn(t);
        for (const s of [...(attr.sparseTensor ? [attr.sparseTensor] : []), ...attr.sparseTensors]) {
          if (s.values) fn(s.values);
          if (s.indices) fn(s.indices);
        }
      }
    }
  };
  if (proto.graph) {
    forEachGraph(proto.graph, (g) => {
      for (const t of g.initializer) fn(t);
      for (const s of g.sparseInitializer) {
        if (s.values) fn(s.values);
        if (s.indices) fn(s.indices);
      }
      visitNodes(g.node);
    });
  }
  for (const f of proto.functions) {
    visitNodes(f.node);
    for (const n of f.node)
      for (const a of n.attribute)
        for (const g of attributeGraphs(a)) {
          forEachGraph(g, (sub) => visitNodes(sub.node));
        }
  }
}

/** Names a graph reads but does not define (outer-scope references of a subgraph). */
function freeNames(graph: GraphProto): Set<string> {
  const defined = new Set<string>([
    ...graph.input.map((v) => v.name),
    ...graph.initializer.map((t) => t.name),
  ]);
  for (const n of graph.node) for (const o of n.output) defined.add(o);
  const free = new Set<string>();
  const use = (name: string) => {
    if (name !== '' && !defined.has(name)) free.add(name);
  };
  for (const n of graph.node) {
    n.input.forEach(use);
    for (const a of n.attribute) for (const g of attributeGraphs(a)) freeNames(g).forEach(use);
  }
  graph.output.forEach((o) => use(o.name));
  return free;
}

/** value name -> every place it is consumed in this graph (subgraph references count once per node). */
export function buildConsumers(graph: GraphProto): Map<string, ValueUse[]> {
  const map = new Map<string, ValueUse[]>();
  const add = (name: string, use: ValueUse) => {
    if (name === '') return; // an omitted optional input
    const list = map.get(name);
    if (list) list.push(use);
    else map.set(name, [use]);
  };
  graph.node.forEach((node, nodeIndex) => {
    node.input.forEach((name, inputIndex) => add(name, { kind: 'node', nodeIndex, inputIndex }));
    const inner = new Set<string>();
    for (const a of node.attribute)
      for (const g of attributeGraphs(a)) freeNames(g).forEach((n) => inner.add(n));
    for (const name of inner) add(name, { kind: 'subgraph', nodeIndex, inputIndex: -1 });
  });
  graph.output.forEach((o, inputIndex) => add(o.name, { kind: 'graphOutput', nodeIndex: -1, inputIndex }));
  return map;
}

/** value name -> index of the node that produces it. */
export function buildProducers(graph: GraphProto): Map<string, number> {
  const map = new Map<string, number>();
  graph.node.forEach((node, i) => node.output.forEach((o) => o !== '' && map.set(o, i)));
  return map;
}

export function findInitializer(graph: GraphProto, name: string): TensorProto | undefined {
  return graph.initializer.find((t) => t.name === name);
}

/** A `Constant` node producing `name` from its `value` tensor attribute. */
export function findConstantNode(
  graph: GraphProto,
  name: string,
): { node: NodeProto; nodeIndex: number; tensor: TensorProto } | undefined {
  for (let i = 0; i < graph.node.length; i++) {
    const node = graph.node[i];
    if (node.opType !== 'Constant' || !isDefaultDomain(node.domain) || node.output[0] !== name) continue;
    const value = node.attribute.find((a) => a.name === 'value');
    return value?.t ? { node, nodeIndex: i, tensor: value.t } : undefined;
  }
  return undefined;
}

/** An initializer or Constant-node tensor named `name`, whichever the graph has. */
export function findConstantTensor(graph: GraphProto, name: string): TensorProto | undefined {
  return findInitializer(graph, name) ?? findConstantNode(graph, name)?.tensor;
}

export const isDefaultDomain = (domain: string): boolean => domain === '' || domain === 'ai.onnx';

/** Opset version imported for a domain ('' and 'ai.onnx' are the same), or undefined. */
export function opsetVersion(proto: ModelProto, domain = ''): number | undefined {
  const want = isDefaultDomain(domain) ? '' : domain;
  const entry = proto.opsetImport.find((o) => (isDefaultDomain(o.domain) ? '' : o.domain) === want);
  return entry ? Number(entry.version) : undefined;
}

/** Every name in use anywhere in the model: values, nodes, initializers, graph inputs/outputs. */
export function collectNames(proto: ModelProto): Set<string> {
  const names = new Set<string>();
  if (!proto.graph) return names;
  forEachGraph(proto.graph, (g) => {
    for (const v of [...g.input, ...g.output, ...g.valueInfo]) names.add(v.name);
    for (const t of g.initializer) names.add(t.name);
    for (const n of g.node) {
      if (n.name) names.add(n.name);
      for (const x of [...n.input, ...n.output]) if (x) names.add(x);
    }
  });
  return names;
}

/** Returns a function that hands out names not yet used in the model: `base`, `base_1`, `base_2`, ... */
export function uniqueNameGenerator(proto: ModelProto): (base: string) => string {
  const used = collectNames(proto);
  return (base: string) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/** Display name of a node: its name, or `#<index>` when it has none. */
export const nodeLabel = (node: NodeProto, index: number): string => node.name || `#${index}`;

export function getAttribute(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function intAttribute(node: NodeProto, name: string, fallback: number): number {
  const a = getAttribute(node, name);
  return a ? Number(a.i) : fallback;
}

export function intsAttribute(node: NodeProto, name: string): number[] | undefined {
  const a = getAttribute(node, name);
  return a ? a.ints.map(Number) : undefined;
}
