// ONNX lexical scoping: a subgraph (If/Loop/Scan body) sees its own names and, by outer-scope reference, every
// name of the graphs enclosing it. The weight finder resolves names through this chain of scopes.
import type { GraphProto, NodeProto, TensorProto } from 'onnx-buf';
import { buildProducers, getAttribute, isDefaultDomain } from './graph';
import type { GraphPath } from './types';

/** One graph of the scope chain, with its name tables. */
export interface Level {
  graph: GraphProto;
  path: GraphPath;
  initializers: Map<string, TensorProto>;
  producers: Map<string, number>;
  /** Formal inputs of a subgraph (not constants, even when an outer graph has an initializer of that name). */
  inputs: Set<string>;
}

export function makeLevel(graph: GraphProto, path: GraphPath): Level {
  return {
    graph,
    path,
    initializers: new Map(graph.initializer.map((t) => [t.name, t])),
    producers: buildProducers(graph),
    inputs: new Set(graph.input.map((v) => v.name)),
  };
}

export type Resolved =
  | { kind: 'initializer'; level: number; tensor: TensorProto }
  | { kind: 'node'; level: number; node: NodeProto }
  | { kind: 'input'; level: number };

/** Which scope defines `name`, innermost first. Initializers win over graph inputs (IR < 4 lists both). */
export function resolve(levels: Level[], name: string): Resolved | undefined {
  for (let i = levels.length - 1; i >= 0; i--) {
    const l = levels[i];
    const init = l.initializers.get(name);
    if (init) return { kind: 'initializer', level: i, tensor: init };
    const idx = l.producers.get(name);
    if (idx !== undefined) return { kind: 'node', level: i, node: l.graph.node[idx] };
    if (l.inputs.has(name)) return { kind: 'input', level: i };
  }
  return undefined;
}

/** A constant tensor by value name (initializer or Constant node's `value`) and the scope that holds it. */
export function resolveConstant(
  levels: Level[],
  name: string,
): { tensor: TensorProto; source: 'initializer' | 'constant'; level: number } | undefined {
  const r = resolve(levels, name);
  if (!r || r.kind === 'input') return undefined;
  if (r.kind === 'initializer') return { tensor: r.tensor, source: 'initializer', level: r.level };
  if (r.node.opType !== 'Constant' || !isDefaultDomain(r.node.domain)) return undefined;
  const value = getAttribute(r.node, 'value')?.t;
  return value ? { tensor: value, source: 'constant', level: r.level } : undefined;
}

/** The graph at `path` and the chain of scopes leading to it; undefined when the path no longer exists. */
export function levelsAt(main: GraphProto, path: GraphPath): Level[] | undefined {
  const levels = [makeLevel(main, [])];
  let graph = main;
  for (let i = 0; i < path.length; i++) {
    const g = graph.node[path[i].nodeIndex]?.attribute.find((a) => a.name === path[i].attribute)?.g;
    if (!g) return undefined;
    graph = g;
    levels.push(makeLevel(g, path.slice(0, i + 1)));
  }
  return levels;
}

export const pathKey = (path: GraphPath): string =>
  path.map((s) => `${s.nodeIndex}.${s.attribute}`).join('/');

/** Display name of a graph path: `If_0/then_branch/Loop_3/body` ('' for the main graph). */
export function scopeLabel(main: GraphProto, path: GraphPath): string {
  const parts: string[] = [];
  let graph = main;
  for (const step of path) {
    const node = graph.node[step.nodeIndex];
    parts.push(`${node?.name || `#${step.nodeIndex}`}/${step.attribute}`);
    const g = node?.attribute.find((a) => a.name === step.attribute)?.g;
    if (!g) break;
    graph = g;
  }
  return parts.join('/');
}

/** Whether a graph defines `name` itself (then it shadows an outer value of that name). */
function defines(graph: GraphProto, name: string): boolean {
  return (
    graph.input.some((v) => v.name === name) ||
    graph.initializer.some((t) => t.name === name) ||
    graph.node.some((n) => n.output.includes(name))
  );
}

/**
 * Every read of `name` in `graph` and the subgraphs that see it. Reads by a node in `lookThrough` (at input 0)
 * count as the reads of that node's output instead: the op at the end of the chain is the real reader.
 */
export function countReads(
  graph: GraphProto,
  name: string,
  lookThrough: (node: NodeProto) => boolean,
  depth = 0,
): number {
  if (depth > 64) return 1;
  let n = graph.output.filter((o) => o.name === name).length;
  for (const node of graph.node) {
    node.input.forEach((input, i) => {
      if (input !== name) return;
      if (i === 0 && lookThrough(node) && node.output[0]) {
        n += countReads(graph, node.output[0], lookThrough, depth + 1);
      } else n += 1;
    });
    for (const a of node.attribute) {
      if (a.g && !defines(a.g, name)) n += countReads(a.g, name, lookThrough, depth + 1);
      for (const g of a.graphs) if (!defines(g, name)) n += countReads(g, name, lookThrough, depth + 1);
    }
  }
  return n;
}
