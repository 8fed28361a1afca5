// Constant folding of weight inputs: exporters often build a weight from constants at run time (PyTorch's LSTM
// export reorders gates with Slice→Concat→Unsqueeze). Such a weight input is evaluated here once and stored as a
// plain initializer, so the weight finder sees it. Identical folded tensors in one scope share one initializer
// (then the finder treats them as one tied weight, quantized once).
import type { GraphProto, NodeProto } from 'onnx-buf';
import { EditableModel } from './edit';
import { intAttribute, intsAttribute, isDefaultDomain, uniqueNameGenerator } from './graph';
import { shallowCopy } from './proto';
import { makeLevel, pathKey, resolve, resolveConstant, type Level } from './scope';
import { inlineTensorToInt64, makeFloat32Tensor, readTensorAsFloat32, tensorDims } from './tensor';
import { isExternalTensor } from './external';
import type { GraphPath, OnnxModel } from './types';
import { concat, count, slice, transposeValue, type Value } from './fold-values';

const WEIGHT_INPUTS: Record<string, number[]> = {
  Conv: [1],
  ConvTranspose: [1],
  Gemm: [0, 1],
  MatMul: [0, 1],
  LSTM: [1, 2],
  GRU: [1, 2],
  RNN: [1, 2],
};
const FOLDABLE = new Set(['Identity', 'Unsqueeze', 'Squeeze', 'Reshape', 'Transpose', 'Concat', 'Slice']);
const MAX_DEPTH = 64;

/** Evaluates constant-only chains of shape/slice ops; undefined when the value depends on anything else. */
class Evaluator {
  private memo = new Map<string, Value | undefined>();
  constructor(private readonly model: OnnxModel) {}

  private ints(levels: Level[], name: string | undefined): number[] | undefined {
    if (!name) return undefined;
    const c = resolveConstant(levels, name);
    if (!c || isExternalTensor(c.tensor)) return undefined;
    return inlineTensorToInt64(c.tensor).map(Number);
  }

  async value(levels: Level[], name: string, depth = 0): Promise<Value | undefined> {
    const key = `${pathKey(levels[levels.length - 1].path)}|${name}`;
    if (this.memo.has(key)) return this.memo.get(key);
    const v = depth > MAX_DEPTH ? undefined : await this.compute(levels, name, depth);
    this.memo.set(key, v);
    return v;
  }

  private async compute(levels: Level[], name: string, depth: number): Promise<Value | undefined> {
    const c = resolveConstant(levels, name);
    if (c) {
      if (c.tensor.dataType !== 1) return undefined; // float32 only: other types keep their own handling
      return {
        dims: tensorDims(c.tensor),
        data: await readTensorAsFloat32(this.model, c.tensor),
        level: c.level,
      };
    }
    const r = resolve(levels, name);
    if (!r || r.kind !== 'node' || !FOLDABLE.has(r.node.opType) || !isDefaultDomain(r.node.domain))
      return undefined;
    const scope = levels.slice(0, r.level + 1);
    const n = r.node;
    const x = n.input[0] ? await this.value(scope, n.input[0], depth + 1) : undefined;
    if (!x) return undefined;
    switch (n.opType) {
      case 'Identity':
        return x;
      case 'Unsqueeze': {
        const axes = intsAttribute(n, 'axes') ?? this.ints(scope, n.input[1]);
        if (!axes) return undefined;
        const rank = x.dims.length + axes.length;
        const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
        const dims: number[] = [];
        for (let i = 0, j = 0; i < rank; i++) dims.push(set.has(i) ? 1 : x.dims[j++]);
        return { dims, data: x.data, level: x.level };
      }
      case 'Squeeze': {
        const axes = intsAttribute(n, 'axes') ?? this.ints(scope, n.input[1]);
        const set = new Set(
          (axes ?? x.dims.flatMap((d, i) => (d === 1 ? [i] : []))).map((a) =>
            a < 0 ? a + x.dims.length : a,
          ),
        );
        return { dims: x.dims.filter((_, i) => !set.has(i)), data: x.data, level: x.level };
      }
      case 'Reshape': {
        const target = this.ints(scope, n.input[1]);
        if (!target) return undefined;
        const dims = target.map((d, i) => (d === 0 ? x.dims[i] : d));
        const known = count(dims.filter((d) => d !== -1));
        const out = dims.map((d) => (d === -1 ? x.data.length / known : d));
        return count(out) === x.data.length && out.every(Number.isInteger)
          ? { dims: out, data: x.data, level: x.level }
          : undefined;
      }
      case 'Transpose': {
        const perm = intsAttribute(n, 'perm') ?? x.dims.map((_, i) => x.dims.length - 1 - i);
        return transposeValue(x, perm);
      }
      case 'Concat': {
        const parts: Value[] = [];
        for (const input of n.input) {
          const v = input ? await this.value(scope, input, depth + 1) : undefined;
          if (!v) return undefined;
          parts.push(v);
        }
        return concat(parts, intAttribute(n, 'axis', 0));
      }
      case 'Slice': {
        const starts = intsAttribute(n, 'starts') ?? this.ints(scope, n.input[1]);
        const ends = intsAttribute(n, 'ends') ?? this.ints(scope, n.input[2]);
        if (!starts || !ends) return undefined;
        const axes = intsAttribute(n, 'axes') ?? this.ints(scope, n.input[3]) ?? starts.map((_, i) => i);
        const steps = this.ints(scope, n.input[4]) ?? starts.map(() => 1);
        return slice(x, starts, ends, axes, steps);
      }
      default:
        return undefined;
    }
  }
}

/**
 * Replace every weight input that is computed from constants alone (beyond what the weight finder looks through)
 * by a folded float32 initializer in the consumer's graph. Returns the model unchanged when nothing folds.
 */
export async function foldWeightInputs(model: OnnxModel): Promise<{ model: OnnxModel; folded: string[] }> {
  const main = model.proto.graph;
  if (!main) return { model, folded: [] };
  const evaluator = new Evaluator(model);
  const todo: {
    path: GraphPath;
    home: GraphPath;
    nodeIndex: number;
    inputIndex: number;
    value: Value;
    from: string;
  }[] = [];
  const visit = async (levels: Level[]) => {
    const level = levels[levels.length - 1];
    for (let i = 0; i < level.graph.node.length; i++) {
      const node = level.graph.node[i];
      for (const a of node.attribute)
        if (a.g)
          await visit([...levels, makeLevel(a.g, [...level.path, { nodeIndex: i, attribute: a.name }])]);
      if (!isDefaultDomain(node.domain)) continue;
      for (const k of WEIGHT_INPUTS[node.opType] ?? []) {
        const name = node.input[k];
        if (!name || !needsFolding(levels, name)) continue;
        const value = await evaluator.value(levels, name);
        if (value)
          todo.push({
            path: level.path,
            home: levels[value.level].path,
            nodeIndex: i,
            inputIndex: k,
            value,
            from: name,
          });
      }
    }
  };
  await visit([makeLevel(main, [])]);
  if (!todo.length) return { model, folded: [] };

  const edit = new EditableModel(model.proto);
  const fresh = uniqueNameGenerator(model.proto);
  const shared = new Map<string, string>();
  for (const t of todo) {
    const g = edit.graph(t.path);
    // Stored where its data comes from, once per distinct content: a weight tied through two chains (even in
    // sibling branches) stays one tensor.
    const key = `${pathKey(t.home)}|${t.value.dims}|${hash(t.value.data)}`;
    let name = shared.get(key);
    if (!name) {
      name = fresh(`${t.from}_folded`);
      edit.graph(t.home).initializer.push(makeFloat32Tensor(name, t.value.dims, t.value.data));
      shared.set(key, name);
    }
    const consumer = g.node[t.nodeIndex];
    const input = [...consumer.input];
    input[t.inputIndex] = name;
    g.node[t.nodeIndex] = shallowCopy(consumer, { input });
  }
  removeDeadNodes(edit.model.graph!, edit.all());
  return { model: { ...model, proto: edit.model }, folded: todo.map((t) => t.from) };
}

/** Only inputs that are computed by a node we fold (plain constants and look-through chains need nothing). */
function needsFolding(levels: Level[], name: string): boolean {
  let r = resolve(levels, name);
  for (let i = 0; i < MAX_DEPTH && r?.kind === 'node'; i++) {
    const op = r.node.opType;
    if (op === 'Concat' || op === 'Slice') return true;
    if (!FOLDABLE.has(op) || !r.node.input[0]) return false;
    r = resolve(levels.slice(0, r.level + 1), r.node.input[0]);
  }
  return false;
}

function hash(data: Float32Array): string {
  const u = new Uint32Array(data.buffer, data.byteOffset, data.length);
  let h = 2166136261;
  for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 16777619);
  return `${data.length}:${h >>> 0}`;
}

function readNames(main: GraphProto): Set<string> {
  const used = new Set<string>();
  const collect = (graph: GraphProto) => {
    for (const n of graph.node) {
      n.input.forEach((i) => used.add(i));
      for (const a of n.attribute) if (a.g) collect(a.g);
    }
    graph.output.forEach((o) => used.add(o.name));
  };
  collect(main);
  return used;
}

/** Drop the folded chains' nodes and initializers once nothing reads them (other initializers stay as they are). */
function removeDeadNodes(main: GraphProto, graphs: GraphProto[]): void {
  const freed = new Set<string>();
  for (let removed = 1; removed > 0;) {
    removed = 0;
    const used = readNames(main);
    for (const g of graphs) {
      const before = g.node.length;
      g.node = g.node.filter((n: NodeProto) => {
        const dead =
          (FOLDABLE.has(n.opType) || n.opType === 'Constant') &&
          isDefaultDomain(n.domain) &&
          n.output.every((o) => !used.has(o));
        if (dead) n.input.forEach((i) => freed.add(i));
        return !dead;
      });
      removed += before - g.node.length;
    }
  }
  const used = readNames(main);
  for (const g of graphs) g.initializer = g.initializer.filter((t) => !freed.has(t.name) || used.has(t.name));
}
