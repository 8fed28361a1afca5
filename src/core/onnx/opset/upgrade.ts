import { create } from '@bufbuild/protobuf';
import {
  OperatorSetIdProtoSchema,
  type AttributeProto,
  type GraphProto,
  type ModelProto,
  type NodeProto,
  type TensorProto,
} from 'onnx-buf';
import { StudioError } from '../../errors';
import { shallowCopy, type ConvertContext } from './context';
import { ModelIndex } from './model-index';
import { MAX_TARGET_OPSET, MIN_SOURCE_OPSET, OP_TABLE, irVersionFor, versionAt } from './table';

export type OpsetPlan = { ok: true; changes: string[] } | { ok: false; reason: string; blockers: string[] };

const isDefaultDomain = (d: string) => d === '' || d === 'ai.onnx';

/** The model's ai.onnx opset version, or undefined when it imports none. */
export function aiOnnxOpset(proto: ModelProto): number | undefined {
  const imp = proto.opsetImport.find((o) => isDefaultDomain(o.domain));
  return imp && Number(imp.version);
}

interface Outcome {
  proto: ModelProto;
  changes: string[];
  blockers: string[];
  reason?: string;
}

/**
 * Rewrites every graph into new objects; the input model is never mutated. Untouched nodes and all
 * tensors are shared with the input (copy-on-write at node/graph level).
 */
function run(proto: ModelProto, target: number): Outcome {
  const fail = (reason: string, blockers: string[] = []): Outcome => ({
    proto,
    changes: [],
    blockers,
    reason,
  });
  if (!Number.isInteger(target) || target > MAX_TARGET_OPSET) {
    return fail(
      `target opset ${target} is not supported (onnxruntime accepts ai.onnx opset <= ${MAX_TARGET_OPSET})`,
    );
  }
  const current = aiOnnxOpset(proto);
  if (current !== undefined && current > target) {
    return fail(
      `target opset ${target} is below the model's ai.onnx opset ${current}; downgrading is not supported`,
    );
  }
  if (current !== undefined && current < MIN_SOURCE_OPSET) {
    return fail(`ai.onnx opset ${current} is older than ${MIN_SOURCE_OPSET}; it cannot be upgraded`);
  }
  if (proto.functions.some((f) => f.node.some((n) => isDefaultDomain(n.domain)))) {
    return fail('model-local functions are not upgraded', ['FunctionProto']);
  }
  const from = current ?? target;
  const index = new ModelIndex(proto);
  const blockers = new Map<string, number>();
  const changes = new Map<string, number>();
  const bumped = new Set<string>();

  function convertGraph(g: GraphProto): GraphProto {
    const added: TensorProto[] = [];
    const dropped = new Set<string>();
    const ctx: ConvertContext = {
      target,
      shapeOf: (n) => index.shapeOf(n),
      elemTypeOf: (n) => index.elemTypeOf(n),
      constantOf: (n) => index.constantOf(n),
      isUsed: (n) => index.isUsed(n),
      freshName: (b) => index.freshName(b.replace(/[^\w./:-]/g, '_')),
      addInitializer(b, tensor) {
        const name = ctx.freshName(b);
        const t = shallowCopy(tensor, { name });
        index.register(name, t);
        added.push(t);
        return name;
      },
    };

    /** Carries one node of version `at` through every breaking version in (at, target]. */
    function lift(node: NodeProto, at: number, out: NodeProto[]) {
      if (!isDefaultDomain(node.domain)) return void out.push(node);
      const entry = OP_TABLE[node.opType];
      if (!entry) {
        const key = `${node.opType} (ai.onnx, model opset ${from}): not in the opset upgrade table, so whether it changed before opset ${target} is unknown`;
        blockers.set(key, (blockers.get(key) ?? 0) + 1);
        return void out.push(node);
      }
      const steps = Object.keys(entry.convert ?? {})
        .map(Number)
        .filter((v) => v > at && v <= target)
        .sort((a, b) => a - b);
      const v = steps[0];
      const conv = v === undefined ? undefined : entry.convert?.[v];
      if (v === undefined || !conv) {
        const sel = versionAt(entry, target);
        if (sel !== undefined && entry.ortMissing?.includes(sel)) {
          const key = `${node.opType}-${sel}: onnxruntime 1.30 has no kernel for it (choose target opset < ${sel})`;
          blockers.set(key, (blockers.get(key) ?? 0) + 1);
          return void out.push(node);
        }
        if (at === from && entry.v.some((x) => x > from && x <= target)) bumped.add(node.opType);
        return void out.push(node);
      }
      const reason = conv.check(node, ctx);
      if (reason) {
        const key = `${node.opType} opset ${at}→${v}: ${reason} (${conv.why})`;
        blockers.set(key, (blockers.get(key) ?? 0) + 1);
        return void out.push(node);
      }
      const result = conv.apply(node, ctx);
      const kept = new Set(result.flatMap((n) => n.output));
      node.output.filter((o) => o && !kept.has(o)).forEach((o) => dropped.add(o));
      const same = result.length === 1 && result[0].opType === node.opType;
      const how = same ? 'updated' : `rewritten as ${result.map((n) => n.opType).join('/')}`;
      const why = same && conv.whyInPlace ? conv.whyInPlace : conv.why;
      const key = `${node.opType} opset ${at}→${v}: ${how} because ${why}`;
      changes.set(key, (changes.get(key) ?? 0) + 1);
      for (const n of result) lift(n, v, out);
    }

    const nodes: NodeProto[] = [];
    for (const n of g.node) lift(withConvertedSubgraphs(n), from, nodes);
    if (
      !added.length &&
      !dropped.size &&
      nodes.length === g.node.length &&
      nodes.every((n, i) => n === g.node[i])
    ) {
      return g;
    }
    return shallowCopy(g, {
      node: nodes,
      initializer: [...g.initializer, ...added],
      valueInfo: g.valueInfo.filter((vi) => !dropped.has(vi.name)),
    });
  }

  /** The node itself if it has no subgraph, else a copy whose bodies are upgraded. */
  function withConvertedSubgraphs(node: NodeProto): NodeProto {
    if (!node.attribute.some((a) => a.g || a.graphs.length)) return node;
    const attribute: AttributeProto[] = node.attribute.map((a) =>
      a.g || a.graphs.length
        ? shallowCopy(a, { g: a.g && convertGraph(a.g), graphs: a.graphs.map(convertGraph) })
        : a,
    );
    return shallowCopy(node, { attribute });
  }

  const graph = proto.graph && convertGraph(proto.graph);
  const list = (m: Map<string, number>) =>
    [...m].map(([k, count]) => (count > 1 ? `${k} (${count} nodes)` : k));
  if (blockers.size) {
    return fail(
      `${blockers.size} operator change(s) cannot be upgraded to ai.onnx opset ${target}`,
      list(blockers),
    );
  }

  const irVersion = BigInt(Math.max(Number(proto.irVersion), irVersionFor(target)));
  const opsetImport = [
    ...proto.opsetImport.filter((o) => !isDefaultDomain(o.domain)),
    create(OperatorSetIdProtoSchema, { domain: '', version: BigInt(target) }),
  ];
  const summary = [
    `ai.onnx opset ${current ?? 'none'}→${target}, IR version ${proto.irVersion}→${irVersion}`,
  ];
  if (bumped.size) {
    summary.push(
      `${[...bumped].sort().join(', ')}: unchanged (between opset ${from} and ${target} they only gained types or optional attributes whose defaults keep the old behaviour)`,
    );
  }
  return {
    proto: shallowCopy(proto, { graph, irVersion, opsetImport }),
    changes: [...summary, ...list(changes)],
    blockers: [],
  };
}

/** Can `proto` be moved to ai.onnx opset `target` exactly? Pure: the model is not changed. */
export function planOpsetUpgrade(proto: ModelProto, target: number): OpsetPlan {
  const r = run(proto, target);
  return r.reason ? { ok: false, reason: r.reason, blockers: r.blockers } : { ok: true, changes: r.changes };
}

/**
 * Returns a new model at ai.onnx opset `target` (other domains untouched, IR version raised as the
 * opset requires, never lowered). Weight tensors are shared with the input, not copied: treat them as
 * read-only. Throws UnsupportedModelError naming the blocking ops when the upgrade would not be exact.
 */
export function upgradeOpset(proto: ModelProto, target: number): { proto: ModelProto; changes: string[] } {
  const r = run(proto, target);
  if (r.reason) {
    const detail = r.blockers.length ? `: ${r.blockers.join('; ')}` : '';
    throw new StudioError(
      'UnsupportedModelError',
      `Cannot upgrade the model to ai.onnx opset ${target}: ${r.reason}${detail}`,
    );
  }
  return { proto: r.proto, changes: r.changes };
}
