// The main graph must be something onnxruntime can run: every node input is produced by something (a graph input,
// an initializer, a node), and the nodes form no cycle. Checked when a file is opened, so a damaged graph gets a
// message naming the node instead of a "model" that fails only at export or in onnxruntime.
import type { GraphProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { nodeLabel } from './graph';

const broken = (why: string) => new StudioError('OnnxParseError', `Broken graph: ${why}`);

/** A name from the file as one short line: control characters escaped, long names cut (messages are one line). */
const shown = (name: string): string =>
  [...(name.length > 80 ? `${name.slice(0, 77)}…` : name)]
    .map((c) => {
      const code = c.charCodeAt(0);
      return code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : c;
    })
    .join('');

/** Throws OnnxParseError for a dangling node input or a cycle in `graph` (subgraphs may read outer names: skipped). */
export function checkGraph(graph: GraphProto): void {
  const available = new Set<string>(['']); // '' marks an omitted optional input
  for (const i of graph.input) available.add(i.name);
  for (const t of graph.initializer) available.add(t.name);
  for (const t of graph.sparseInitializer) if (t.values) available.add(t.values.name);
  const producer = new Map<string, number>();
  graph.node.forEach((n, i) => n.output.forEach((o) => o && producer.set(o, i)));
  const op = (i: number) => `'${shown(nodeLabel(graph.node[i], i))}' (${shown(graph.node[i].opType)})`;

  // Kahn's algorithm over node → node edges; what is left unsorted lies on (or behind) a cycle.
  const waiting = new Array<number>(graph.node.length).fill(0);
  const readers = new Map<number, number[]>();
  graph.node.forEach((n, i) => {
    for (const name of n.input) {
      const from = producer.get(name);
      if (from === undefined) {
        if (!available.has(name))
          throw broken(
            `node ${op(i)} reads '${shown(name)}', which no node, initializer or graph input produces`,
          );
        continue;
      }
      waiting[i]++;
      readers.set(from, [...(readers.get(from) ?? []), i]);
    }
  });
  const ready = waiting.flatMap((w, i) => (w === 0 ? [i] : []));
  let sorted = 0;
  while (ready.length) {
    const i = ready.pop() as number;
    sorted++;
    for (const r of readers.get(i) ?? []) if (--waiting[r] === 0) ready.push(r);
  }
  if (sorted < graph.node.length) {
    const stuck = waiting.findIndex((w) => w > 0);
    throw broken(`the nodes form a cycle (node ${op(stuck)} waits, directly or not, on its own output)`);
  }
}
