import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import { subgraphsOf } from './context';

/** Ops whose first output has the element type of their first input (enough to type Clip/Pad constants). */
const SAME_TYPE_OPS = new Set([
  'Abs',
  'Add',
  'AveragePool',
  'BatchNormalization',
  'Clip',
  'Concat',
  'Conv',
  'ConvTranspose',
  'Div',
  'Dropout',
  'Elu',
  'Exp',
  'Expand',
  'Flatten',
  'Gather',
  'Gemm',
  'GlobalAveragePool',
  'GlobalMaxPool',
  'HardSigmoid',
  'Identity',
  'InstanceNormalization',
  'LeakyRelu',
  'Log',
  'LogSoftmax',
  'LRN',
  'MatMul',
  'Max',
  'MaxPool',
  'Mean',
  'Min',
  'Mul',
  'Neg',
  'Pad',
  'Pow',
  'PRelu',
  'ReduceMax',
  'ReduceMean',
  'ReduceMin',
  'ReduceSum',
  'Relu',
  'Reshape',
  'Resize',
  'Selu',
  'Sigmoid',
  'Slice',
  'Softmax',
  'Softplus',
  'Split',
  'Sqrt',
  'Squeeze',
  'Sub',
  'Sum',
  'Tanh',
  'Tile',
  'Transpose',
  'Unsqueeze',
  'Upsample',
]);

interface ValueType {
  elemType?: number;
  dims?: (number | null)[];
}

/**
 * Read-only facts about every value in a model and its subgraphs (names are unique model-wide in
 * practice; on a clash the outer declaration wins, which only costs us a missed shortcut).
 */
export class ModelIndex {
  readonly names = new Set<string>();
  private readonly types = new Map<string, ValueType>();
  private readonly constants = new Map<string, TensorProto>();
  private readonly producers = new Map<string, NodeProto>();
  private readonly used = new Set<string>();

  constructor(model: ModelProto) {
    if (model.graph) this.visit(model.graph);
  }

  private declare(v: ValueInfoProto) {
    this.names.add(v.name);
    const tt = v.type?.value.case === 'tensorType' ? v.type.value.value : undefined;
    if (!tt || this.types.has(v.name)) return;
    const dims = tt.shape?.dim.map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : null));
    this.types.set(v.name, { elemType: tt.elemType || undefined, dims });
  }

  private visit(g: GraphProto) {
    g.input.forEach((v) => this.declare(v));
    g.valueInfo.forEach((v) => this.declare(v));
    g.output.forEach((v) => {
      this.declare(v);
      this.used.add(v.name);
    });
    for (const t of g.initializer) {
      this.names.add(t.name);
      this.constants.set(t.name, t);
      if (!this.types.has(t.name)) this.types.set(t.name, { elemType: t.dataType, dims: t.dims.map(Number) });
    }
    for (const n of g.node) {
      if (n.name) this.names.add(n.name);
      n.input.forEach((i) => i && this.used.add(i));
      for (const o of n.output) {
        if (!o) continue;
        this.names.add(o);
        this.producers.set(o, n);
      }
      const value =
        n.opType === 'Constant' && !n.domain ? n.attribute.find((a) => a.name === 'value')?.t : undefined;
      if (value && n.output[0]) this.constants.set(n.output[0], value);
      subgraphsOf(n).forEach((sg) => this.visit(sg));
    }
  }

  shapeOf(name: string): (number | null)[] | undefined {
    return this.types.get(name)?.dims;
  }

  constantOf(name: string): TensorProto | undefined {
    return this.constants.get(name);
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  /** Declared element type, else followed back through type-preserving producers. */
  elemTypeOf(name: string, depth = 0): number | undefined {
    const declared = this.types.get(name)?.elemType ?? this.constants.get(name)?.dataType;
    if (declared !== undefined || depth > 64) return declared;
    const p = this.producers.get(name);
    if (!p || p.domain || !SAME_TYPE_OPS.has(p.opType)) return undefined;
    if (p.opType !== 'Split' && p.output[0] !== name) return undefined;
    return p.input[0] ? this.elemTypeOf(p.input[0], depth + 1) : undefined;
  }

  freshName(base: string): string {
    let name = base;
    for (let i = 1; this.names.has(name); i++) name = `${base}_${i}`;
    this.names.add(name);
    return name;
  }

  /** Makes a name known (e.g. a new initializer), so later look-ups see it. */
  register(name: string, tensor: TensorProto) {
    this.names.add(name);
    this.constants.set(name, tensor);
    this.types.set(name, { elemType: tensor.dataType, dims: tensor.dims.map(Number) });
  }
}
