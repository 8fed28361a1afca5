import type { Converter } from './context';
import {
  batchNormOutputs,
  batchNormSpatial,
  convTransposeAutoPad,
  dropoutMask,
  dropoutRatio,
  resizeTo11,
  resizeTo13,
  roiAlignCoordinates,
  scatterToElements,
  unsupported,
  upsampleScales,
  upsampleToResize,
} from './rules-misc';
import {
  clipAttrsToInputs,
  intsAttrToInput,
  padAttrsToInputs,
  sliceAttrsToInputs,
  splitAttrToInput,
  splitNumOutputs,
  topkAttrToInput,
} from './rules-inputs';
import { coercedAxisTo13 } from './rules-softmax';

/**
 * ai.onnx operators we can carry from opset >= 7 up to 26.
 *
 * `v`: every version (since_version) of the op, from the ONNX schemas (onnx/defs; 1..17 read from the
 * onnx 1.12 schema registry, 18..26 from the release op lists of onnx 1.13..1.21). A version not in
 * `convert` only added types (bfloat16, int4, float8, int2...) or optional attributes/inputs whose
 * defaults keep the old behaviour, or allowed negative axes: the node is valid unchanged.
 * `convert`: versions whose contract changed, with the converter that lifts a node across it.
 * An op missing here blocks the upgrade (we do not guess).
 */
export interface OpEntry {
  v: readonly number[];
  convert?: Readonly<Record<number, Converter>>;
  /** Versions onnxruntime 1.30 has no CPU kernel for (measured): a target that selects one blocks. */
  ortMissing?: readonly number[];
}

const reduceAxes = intsAttrToInput('axes');
const softmaxLike = { 13: coercedAxisTo13 };

/** Types-only bumps after opset 20 shared by the "shape" family (int4 21, fp4 23, e8m0 24, int2 25). */
const T21_25 = [21, 23, 24, 25];
const BF16 = 22; // opset 22 added bfloat16 to many float ops

export const OP_TABLE: Readonly<Record<string, OpEntry>> = {
  // elementwise math
  Abs: { v: [1, 6, 13] },
  Add: { v: [1, 6, 7, 13, 14] },
  Sub: { v: [1, 6, 7, 13, 14] },
  Mul: { v: [1, 6, 7, 13, 14] },
  Div: { v: [1, 6, 7, 13, 14] },
  Pow: { v: [1, 7, 12, 13, 15] },
  Neg: { v: [1, 6, 13] },
  Reciprocal: { v: [1, 6, 13] },
  Sqrt: { v: [1, 6, 13] },
  Exp: { v: [1, 6, 13] },
  Log: { v: [1, 6, 13] },
  Floor: { v: [1, 6, 13] },
  Ceil: { v: [1, 6, 13] },
  Round: { v: [11, BF16] },
  Sign: { v: [9, 13] },
  Erf: { v: [9, 13] },
  Mod: { v: [10, 13] },
  Sin: { v: [7, BF16] },
  Cos: { v: [7, BF16] },
  Tan: { v: [7, BF16] },
  Asin: { v: [7, BF16] },
  Acos: { v: [7, BF16] },
  Atan: { v: [7, BF16] },
  Sinh: { v: [9, BF16] },
  Cosh: { v: [9, BF16] },
  Asinh: { v: [9, BF16] },
  Acosh: { v: [9, BF16] },
  Atanh: { v: [9, BF16] },
  // 6 -> 8: Max/Min/Sum/Mean gained multidirectional broadcasting (a superset).
  Max: { v: [1, 6, 8, 12, 13] },
  Min: { v: [1, 6, 8, 12, 13] },
  Sum: { v: [1, 6, 8, 13] },
  Mean: { v: [1, 6, 8, 13] },
  // activations
  Relu: { v: [1, 6, 13, 14] },
  LeakyRelu: { v: [1, 6, 16] },
  PRelu: { v: [1, 6, 7, 9, 16] },
  Elu: { v: [1, 6, BF16] },
  Selu: { v: [1, 6, BF16] },
  Celu: { v: [12] },
  Sigmoid: { v: [1, 6, 13] },
  HardSigmoid: { v: [1, 6, BF16] },
  HardSwish: { v: [14, BF16] },
  Tanh: { v: [1, 6, 13] },
  Softplus: { v: [1, BF16] },
  Softsign: { v: [1, BF16] },
  ThresholdedRelu: { v: [10, BF16] },
  Softmax: { v: [1, 11, 13], convert: softmaxLike },
  LogSoftmax: { v: [1, 11, 13], convert: softmaxLike },
  Hardmax: { v: [1, 11, 13], convert: softmaxLike },
  // logic / comparison
  And: { v: [1, 7] },
  Or: { v: [1, 7] },
  Xor: { v: [1, 7] },
  Not: { v: [1] },
  Equal: { v: [1, 7, 11, 13, 19] },
  Greater: { v: [1, 7, 9, 13] },
  Less: { v: [1, 7, 9, 13] },
  GreaterOrEqual: { v: [12, 16] },
  LessOrEqual: { v: [12, 16] },
  Where: { v: [9, 16] },
  IsNaN: { v: [9, 13, 20] },
  IsInf: { v: [10, 20] },
  // linear algebra / conv / pooling / normalisation
  MatMul: { v: [1, 9, 13] },
  Gemm: { v: [1, 6, 7, 9, 11, 13] }, // 11: C became optional
  Conv: { v: [1, 11, BF16] },
  ConvTranspose: { v: [1, 11, BF16], convert: { 11: convTransposeAutoPad } },
  MaxPool: { v: [1, 8, 10, 11, 12, BF16] }, // 8: Indices output/storage_order; 10: ceil_mode/dilations (defaults keep)
  AveragePool: { v: [1, 7, 10, 11, 19, BF16] }, // 10: ceil_mode; 19: dilations (defaults keep)
  GlobalAveragePool: { v: [1, BF16] },
  GlobalMaxPool: { v: [1, BF16] },
  GlobalLpPool: { v: [1, 2, BF16], ortMissing: [BF16] },
  LpPool: { v: [1, 2, 11, 18, BF16] }, // 18: ceil_mode (default keeps)
  LRN: { v: [1, 13] },
  InstanceNormalization: { v: [1, 6, BF16] },
  LpNormalization: { v: [1, BF16] },
  MeanVarianceNormalization: { v: [9, 13] },
  BatchNormalization: { v: [1, 6, 7, 9, 14, 15], convert: { 9: batchNormSpatial, 14: batchNormOutputs } },
  Dropout: { v: [1, 6, 7, 10, 12, 13, BF16], convert: { 10: dropoutMask, 12: dropoutRatio } },
  // recurrent (14: layout attribute, default 0 = old layout)
  RNN: { v: [1, 7, 14, BF16] },
  GRU: { v: [1, 3, 7, 14, BF16] },
  LSTM: { v: [1, 7, 14, BF16] },
  // shape and data movement
  Reshape: { v: [1, 5, 13, 14, 19, ...T21_25] }, // 14: allowzero (default 0 = old)
  Flatten: { v: [1, 9, 11, 13, ...T21_25] },
  Transpose: { v: [1, 13, ...T21_25] },
  Squeeze: { v: [1, 11, 13, ...T21_25], convert: { 13: intsAttrToInput('axes') } },
  Unsqueeze: { v: [1, 11, 13, ...T21_25], convert: { 13: intsAttrToInput('axes') } },
  Concat: { v: [1, 4, 11, 13] },
  Split: { v: [1, 2, 11, 13, 18], convert: { 13: splitAttrToInput, 18: splitNumOutputs } },
  Slice: { v: [1, 10, 11, 13], convert: { 10: sliceAttrsToInputs } },
  Pad: { v: [1, 2, 11, 13, 18, 19, ...T21_25], convert: { 11: padAttrsToInputs } }, // 18: axes, 19: wrap
  Clip: { v: [1, 6, 11, 12, 13], convert: { 11: clipAttrsToInputs } },
  Gather: { v: [1, 11, 13] },
  GatherElements: { v: [11, 13] },
  GatherND: { v: [11, 12, 13] }, // 12: batch_dims (default 0)
  ScatterElements: { v: [11, 13, 16, 18] }, // 16/18: reduction (default none)
  ScatterND: { v: [11, 13, 16, 18] },
  Scatter: { v: [9, 11], convert: { 11: scatterToElements, 13: scatterToElements } },
  Expand: { v: [8, 13] },
  Tile: { v: [1, 6, 13] },
  DepthToSpace: { v: [1, 11, 13] }, // 11: mode (default DCR = the v1 behaviour)
  SpaceToDepth: { v: [1, 13] },
  Shape: { v: [1, 13, 15, 19, ...T21_25] }, // 15: start/end (defaults = whole shape)
  Size: { v: [1, 13, 19, ...T21_25] },
  Identity: { v: [1, 13, 14, 16, 19, ...T21_25] },
  Cast: { v: [1, 6, 9, 13, 19, ...T21_25] }, // 19: saturate (float8 only, which older models cannot hold)
  CastLike: { v: [15, 19, ...T21_25] },
  Constant: { v: [1, 9, 11, 12, 13, 19, ...T21_25] },
  ConstantOfShape: { v: [9, 20, ...T21_25] },
  Range: { v: [11] },
  NonZero: { v: [9, 13] },
  OneHot: { v: [9, 11] },
  CumSum: { v: [11, 14] },
  Trilu: { v: [14] },
  Einsum: { v: [12] },
  ArgMax: { v: [1, 11, 12, 13] }, // 12: select_last_index (default 0)
  ArgMin: { v: [1, 11, 12, 13] },
  TopK: { v: [1, 10, 11, 24], convert: { 10: topkAttrToInput } }, // 11: largest/sorted (defaults = old)
  Upsample: { v: [1, 7, 9, 10], convert: { 9: upsampleScales, 10: upsampleToResize } },
  Resize: { v: [10, 11, 13, 18, 19], convert: { 11: resizeTo11, 13: resizeTo13 } }, // 18/19: attrs whose defaults keep
  // reductions: axes attribute -> input (ReduceSum at 13, the others at 18)
  ReduceSum: { v: [1, 11, 13], convert: { 13: reduceAxes } },
  ReduceMean: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  ReduceMax: { v: [1, 11, 12, 13, 18, 20], convert: { 18: reduceAxes } },
  ReduceMin: { v: [1, 11, 12, 13, 18, 20], convert: { 18: reduceAxes } },
  ReduceProd: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  ReduceL1: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  ReduceL2: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  ReduceLogSum: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  ReduceLogSumExp: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  ReduceSumSquare: { v: [1, 11, 13, 18], convert: { 18: reduceAxes } },
  // control flow: bodies are upgraded too
  If: { v: [1, 11, 13, 16, 19, ...T21_25] },
  Loop: { v: [1, 11, 13, 16, 19, ...T21_25] },
  Scan: {
    v: [8, 9, 11, 16, 19, ...T21_25],
    convert: { 9: unsupported('Scan-8 batch semantics changed at 9') },
  },
  // newer or rarer ops whose every later version only added types
  LayerNormalization: { v: [17] },
  Gelu: { v: [20] },
  Mish: { v: [18, BF16] },
  Shrink: { v: [9] },
  ReverseSequence: { v: [10] },
  Unique: { v: [11] },
  BitShift: { v: [11] },
  Det: { v: [11, BF16] },
  EyeLike: { v: [9, BF16] },
  Compress: { v: [9, 11] },
  MaxUnpool: { v: [9, 11, BF16] },
  MaxRoiPool: { v: [1, BF16], ortMissing: [BF16] },
  RandomNormal: { v: [1, BF16], ortMissing: [BF16] },
  RandomUniform: { v: [1, BF16], ortMissing: [BF16] },
  RandomNormalLike: { v: [1, BF16], ortMissing: [BF16] },
  RandomUniformLike: { v: [1, BF16], ortMissing: [BF16] },
  RoiAlign: { v: [10, 16, BF16], convert: { 16: roiAlignCoordinates }, ortMissing: [BF16] },
  // quantization
  QuantizeLinear: { v: [10, 13, 19, ...T21_25] }, // 13: axis; 19/21/23: saturate/block_size/precision (defaults keep)
  DequantizeLinear: { v: [10, 13, 19, ...T21_25] }, // 21: block_size (default 0 = per-tensor/axis)
  DynamicQuantizeLinear: { v: [11] },
  MatMulInteger: { v: [10] },
  ConvInteger: { v: [10] },
  QLinearConv: { v: [10] },
  QLinearMatMul: { v: [10, 21] },
};

/** Minimum IR version for an ai.onnx opset (onnx helper VERSION_TABLE; 25/26 need IR 13 for int2). */
export function irVersionFor(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  if (opset === 23) return 11;
  if (opset === 24) return 12;
  return 13;
}

/** The version of `op` that a model at ai.onnx `opset` selects (the newest since_version <= opset). */
export function versionAt(entry: OpEntry, opset: number): number | undefined {
  let best: number | undefined;
  for (const v of entry.v) if (v <= opset && (best === undefined || v > best)) best = v;
  return best;
}

/** The highest ai.onnx opset onnxruntime 1.30 accepts, and the lowest source opset we handle. */
export const MAX_TARGET_OPSET = 26;
export const MIN_SOURCE_OPSET = 7;
