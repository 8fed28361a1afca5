// Activation capture for data-aware rounding: expose the input activation of every quantizable layer as an extra
// graph output, run the float model sample by sample through an injected runner (core stays free of onnxruntime),
// and stream each activation into that layer's Hessian(s).
import { create } from '@bufbuild/protobuf';
import {
  TensorProto_DataType,
  TypeProtoSchema,
  TypeProto_TensorSchema,
  ValueInfoProtoSchema,
  type ModelProto,
} from 'onnx-buf';
import { StudioError } from '../errors';
import { shallowCopy } from '../onnx/proto';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import { addMatMulActivation, HessianAccumulator } from './hessian';
import { ConvHessian, convGeometry, type ConvAttributes } from './im2col';
import type { LayerHessians } from './gptq';

/** A float tensor crossing the runner boundary. */
export interface CapturedTensor {
  dims: number[];
  data: Float32Array;
}

/**
 * One model input for a run: float32 as a CapturedTensor, or any other input dtype with its data already in that
 * type (`dtype` set: int64 token ids, float16 bits, ...), as the evaluator's feed builder makes them.
 */
export type RunFeed = CapturedTensor | { dtype: string; dims: number[]; data: ArrayBufferView };

/** The float32 feeds of a run (a layer may read a graph input directly: those are its activations). */
export const floatFeeds = (feeds: Record<string, RunFeed>): Record<string, CapturedTensor> =>
  Object.fromEntries(
    Object.entries(feeds).filter(
      (e): e is [string, CapturedTensor] =>
        e[1].data instanceof Float32Array && (!('dtype' in e[1]) || e[1].dtype === 'float32'),
    ),
  );

/** Runs a serialized model; implemented with onnxruntime in Node (CLI) or in a worker (browser). */
export interface ActivationRunner {
  open(model: Uint8Array, outputs: string[]): Promise<ActivationSession>;
}

export interface ActivationSession {
  /** Feeds without a `dtype` are float32. Returns the requested outputs as float32. */
  run(feeds: Record<string, RunFeed>): Promise<Record<string, CapturedTensor>>;
  release(): Promise<void>;
}

/** Where one weight's Hessian input comes from. */
export interface CaptureTarget {
  weight: WeightInfo;
  /** Graph value that is the layer's other (activation) input. */
  activation: string;
  kind: 'matmul' | 'conv';
  /** MatMul/Gemm: the reduction dimension is the activation's second-to-last axis (see addMatMulActivation). */
  transposed: boolean;
  conv: ConvAttributes | null;
}

const ints = (
  node: { attribute: { name: string; ints: bigint[] }[] },
  name: string,
): number[] | undefined => {
  const a = node.attribute.find((x) => x.name === name);
  return a && a.ints.length ? a.ints.map(Number) : undefined;
};
const int = (node: { attribute: { name: string; i: bigint }[] }, name: string, dflt: number): number => {
  const a = node.attribute.find((x) => x.name === name);
  return a ? Number(a.i) : dflt;
};

/**
 * Which graph value feeds each weight's layer, or why it cannot be captured. ConvTranspose and Gather have no
 * Hessian form here; a weight whose partner input is also a constant sees no calibration data.
 */
export function captureTargets(
  model: OnnxModel,
  weights: WeightInfo[],
): { targets: CaptureTarget[]; unsupported: { name: string; reason: string }[] } {
  const graph = model.proto.graph!;
  const constants = new Set(graph.initializer.map((t) => t.name));
  for (const n of graph.node) if (n.opType === 'Constant') n.output.forEach((o) => constants.add(o));
  const targets: CaptureTarget[] = [];
  const unsupported: { name: string; reason: string }[] = [];
  for (const w of weights) {
    const node = graph.node[w.nodeIndex];
    let activation: string | undefined;
    let transposed = false;
    let conv: ConvAttributes | null = null;
    if (w.op === 'MatMul') {
      activation = node.input[1 - w.inputIndex];
      transposed = w.inputIndex === 0; // W·X: vectors are X's columns
    } else if (w.op === 'Gemm' && w.inputIndex <= 1) {
      activation = node.input[1 - w.inputIndex];
      transposed = w.inputIndex === 1 ? int(node, 'transA', 0) === 1 : int(node, 'transB', 0) !== 1;
    } else if (w.op === 'Conv' && w.inputIndex === 1) {
      activation = node.input[0];
      const autoPad = node.attribute.find((a) => a.name === 'auto_pad');
      conv = {
        kernelShape: ints(node, 'kernel_shape') ?? w.shape.slice(2),
        strides: ints(node, 'strides'),
        dilations: ints(node, 'dilations'),
        pads: ints(node, 'pads'),
        autoPad: autoPad ? (new TextDecoder().decode(autoPad.s) as ConvAttributes['autoPad']) : undefined,
        group: int(node, 'group', 1),
      };
    } else {
      unsupported.push({ name: w.name, reason: `${w.op} input ${w.inputIndex} has no Hessian form` });
      continue;
    }
    if (!activation || constants.has(activation)) {
      unsupported.push({
        name: w.name,
        reason: `its ${w.op} partner input is a constant: no calibration data reaches it`,
      });
      continue;
    }
    targets.push({ weight: w, activation, kind: w.op === 'Conv' ? 'conv' : 'matmul', transposed, conv });
  }
  return { targets, unsupported };
}

const ELEM: Record<string, number> = {
  float16: TensorProto_DataType.FLOAT16,
  bfloat16: TensorProto_DataType.BFLOAT16,
  float64: TensorProto_DataType.DOUBLE,
};

/**
 * A copy of the model whose graph also outputs `values` (graph inputs and existing outputs are left as they are).
 * The original outputs keep their order and come first, so the model still computes exactly what it did.
 */
export function withActivationOutputs(
  proto: ModelProto,
  values: { name: string; dtype: string }[],
): ModelProto {
  const graph = proto.graph!;
  const present = new Set([...graph.output.map((o) => o.name), ...graph.input.map((i) => i.name)]);
  const extra = values
    .filter((v, i) => !present.has(v.name) && values.findIndex((u) => u.name === v.name) === i)
    .map((v) =>
      create(ValueInfoProtoSchema, {
        name: v.name,
        type: create(TypeProtoSchema, {
          value: {
            case: 'tensorType',
            value: create(TypeProto_TensorSchema, { elemType: ELEM[v.dtype] ?? TensorProto_DataType.FLOAT }),
          },
        }),
      }),
    );
  return shallowCopy(proto, { graph: shallowCopy(graph, { output: [...graph.output, ...extra] }) });
}

/** Per-layer Hessian accumulators, created on the first activation (a Conv needs the input's spatial size). */
export class HessianCollector {
  private readonly accs = new Map<string, HessianAccumulator | ConvHessian>();

  constructor(readonly targets: CaptureTarget[]) {}

  /** One run's activations (any leading batch size), keyed by graph value name. */
  add(values: Record<string, CapturedTensor>): void {
    for (const t of this.targets) {
      const x = values[t.activation];
      if (!x)
        throw new StudioError(
          'EvaluationError',
          `capture: no activation '${t.activation}' for ${t.weight.name}`,
        );
      let acc = this.accs.get(t.weight.name);
      if (t.kind === 'conv') {
        if (!acc) {
          acc = new ConvHessian(convGeometry(x.dims, t.conv!), t.weight.name);
          this.accs.set(t.weight.name, acc);
        }
        (acc as ConvHessian).add(x.data, x.dims);
      } else {
        const w = t.weight;
        const red = w.reductionAxis < 0 ? w.reductionAxis + w.shape.length : w.reductionAxis;
        if (!acc) {
          acc = new HessianAccumulator(w.shape[red], w.name);
          this.accs.set(w.name, acc);
        }
        addMatMulActivation(acc as HessianAccumulator, x.data, x.dims, t.transposed);
      }
    }
  }

  /** Bytes the accumulators hold (Hessians are cols² float64 per layer and group). */
  get bytes(): number {
    let b = 0;
    for (const a of this.accs.values()) b += a.bytes;
    return b;
  }

  /** Mean input vector E[x] per Hessian (one per Conv group), keyed by weight name: for bias correction. */
  means(): Map<string, Float64Array[]> {
    const out = new Map<string, Float64Array[]>();
    for (const [name, a] of this.accs) {
      out.set(name, a instanceof ConvHessian ? a.groups.map((g) => g.meanInput()) : [a.meanInput()]);
    }
    return out;
  }

  /** Hessians keyed by weight name. */
  hessians(): Map<string, LayerHessians> {
    const out = new Map<string, LayerHessians>();
    for (const [name, a] of this.accs) {
      out.set(name, {
        hessians: a instanceof ConvHessian ? a.groups.map((g) => g.hessian()) : [a.hessian()],
      });
    }
    return out;
  }
}

/** Bytes the Hessians of `targets` will take, from weight shapes alone (to report or refuse before capturing). */
export function hessianBytes(targets: CaptureTarget[]): number {
  return targets.reduce((s, t) => {
    const w = t.weight;
    const ch = w.channelAxis < 0 ? w.channelAxis + w.shape.length : w.channelAxis;
    const cols = w.elements / w.shape[ch];
    const groups = t.conv?.group ?? 1;
    return s + groups * (cols * cols + cols) * 8;
  }, 0);
}

export interface CaptureStats {
  /** Model runs and calibration samples fed. */
  runs: number;
  samples: number;
  /** Bytes of all Hessians held at the end. */
  bytes: number;
  ms: number;
}

/**
 * Runs the float model once per feed (each feed may hold a batch) and accumulates every target's Hessian from the
 * float activations (not sequential: every layer sees the float model's inputs, all captured in one pass).
 */
export async function captureHessians(
  model: OnnxModel,
  serialize: (proto: ModelProto) => Uint8Array,
  targets: CaptureTarget[],
  runner: ActivationRunner,
  feeds: AsyncIterable<{ feeds: Record<string, RunFeed>; samples: number }>,
  hooks: { onRun?: (samples: number) => void; isCancelled?: () => boolean; now?: () => number } = {},
): Promise<{
  hessians: Map<string, LayerHessians>;
  means: Map<string, Float64Array[]>;
  stats: CaptureStats;
}> {
  const now = hooks.now ?? (() => Date.now());
  const started = now();
  const names = [...new Set(targets.map((t) => t.activation))];
  const inputs = new Set(model.proto.graph!.input.map((i) => i.name));
  const proto = withActivationOutputs(
    model.proto,
    targets
      .filter((t) => !inputs.has(t.activation))
      .map((t) => ({ name: t.activation, dtype: t.weight.opDtype })),
  );
  const fetch = names.filter((n) => !inputs.has(n));
  const session = await runner.open(serialize(proto), fetch);
  const collector = new HessianCollector(targets);
  let runs = 0;
  let samples = 0;
  try {
    for await (const f of feeds) {
      if (hooks.isCancelled?.()) throw new StudioError('CancelledError', 'calibration was cancelled');
      // Every captured layer reads a graph input: the feeds are the activations, nothing to run.
      const out = fetch.length ? await session.run(f.feeds) : {};
      collector.add({ ...floatFeeds(f.feeds), ...out });
      runs++;
      samples += f.samples;
      hooks.onRun?.(samples);
    }
  } finally {
    await session.release();
  }
  if (samples === 0) throw new StudioError('SampleSetError', 'calibration needs at least one sample');
  const hessians = collector.hessians();
  return {
    hessians,
    means: collector.means(),
    stats: { runs, samples, bytes: collector.bytes, ms: now() - started },
  };
}
