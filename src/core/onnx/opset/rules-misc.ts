import { TensorProto_DataType as DT, type NodeProto } from 'onnx-buf';
import {
  attrFloat,
  attrFloats,
  attrInt,
  attrString,
  float32Tensor,
  floatScalar,
  readFloats,
  rebuild,
  stringAttr,
  type ConvertContext,
  type Converter,
} from './context';

const base = (node: NodeProto) => node.name || node.opType;

/** Attributes removed before opset 7 that some exporters still wrote; runtimes ignore them. */
const LEGACY = ['is_test', 'consumed_inputs'];

/** Outputs after the first that some node or graph output actually reads. */
const usedExtraOutputs = (node: NodeProto, ctx: ConvertContext) =>
  node.output.slice(1).filter((o) => o !== '' && ctx.isUsed(o));

/** Dropout 7 -> 10: the mask output became bool (was the data type). An unread mask is dropped. */
export const dropoutMask: Converter = {
  why: 'the mask output type changed from the data type to bool',
  check(node, ctx) {
    return usedExtraOutputs(node, ctx).length ? `Dropout mask output '${node.output[1]}' is read` : null;
  },
  apply: (node) => [rebuild(node, { output: [node.output[0]], drop: LEGACY })],
};

/** Dropout 10 -> 12: ratio attribute -> optional input. Without training_mode it is the identity either way. */
export const dropoutRatio: Converter = {
  why: 'the ratio attribute became an input',
  check: () => null,
  apply(node, ctx) {
    const ratio = attrFloat(node, 'ratio');
    if (ratio === undefined) return [rebuild(node, { drop: LEGACY })];
    const r = ctx.addInitializer(`${base(node)}_ratio`, floatScalar(DT.FLOAT, ratio));
    return [rebuild(node, { input: [node.input[0], r], drop: ['ratio', ...LEGACY] })];
  },
};

/** BatchNormalization 7 -> 9: `spatial` removed; only spatial=1 (the default) has a v9 meaning. */
export const batchNormSpatial: Converter = {
  why: 'the spatial attribute was removed (spatial=1 is the only remaining behaviour)',
  check: (node) => (attrInt(node, 'spatial', 1) === 1 ? null : 'BatchNormalization with spatial=0'),
  apply: (node) => [rebuild(node, { drop: ['spatial', ...LEGACY] })],
};

/** BatchNormalization 9 -> 14: the optional training outputs were redefined. Inference nodes have none. */
export const batchNormOutputs: Converter = {
  why: 'the training-mode outputs were redefined',
  check(node, ctx) {
    return usedExtraOutputs(node, ctx).length ? 'BatchNormalization training outputs are read' : null;
  },
  apply: (node) => [rebuild(node, { output: [node.output[0]] })],
};

const UPSAMPLE_MODES = ['nearest', 'linear'];

/** Upsample 7 -> 9: scales attribute -> input. */
export const upsampleScales: Converter = {
  why: 'the scales attribute became an input',
  check(node) {
    const mode = attrString(node, 'mode', 'nearest');
    if (!UPSAMPLE_MODES.includes(mode)) return `Upsample mode '${mode}'`;
    return attrFloats(node, 'scales') ? null : 'Upsample without scales';
  },
  apply(node, ctx) {
    const scales = ctx.addInitializer(
      `${base(node)}_scales`,
      float32Tensor(attrFloats(node, 'scales') ?? []),
    );
    return [rebuild(node, { input: [node.input[0], scales], drop: ['scales'] })];
  },
};

/** Upsample 9 -> 10: Upsample was removed; Resize-10 has exactly its semantics. */
export const upsampleToResize: Converter = {
  why: 'Upsample was removed; Resize-10 has the same semantics',
  check(node) {
    const mode = attrString(node, 'mode', 'nearest');
    return UPSAMPLE_MODES.includes(mode) ? null : `Upsample mode '${mode}'`;
  },
  apply: (node) => [rebuild(node, { opType: 'Resize' })],
};

/** Constant scales of a Resize/Upsample node, if static. */
function constantScales(node: NodeProto, ctx: ConvertContext): number[] | undefined {
  const t = node.input[1] ? ctx.constantOf(node.input[1]) : undefined;
  return t && readFloats(t);
}

/**
 * Resize 10 -> 11: 10 samples at x_out / scale ("asymmetric") and rounds nearest down when upsampling.
 * Resize-11 says so explicitly. Nearest-mode downsampling (scale < 1) rounded up in 10, which no
 * nearest_mode of 11 reproduces for every size, so it blocks, as do non-constant scales in nearest mode.
 */
export const resizeTo11: Converter = {
  why: 'coordinate transformation became configurable (10 = asymmetric, nearest rounds down)',
  check(node, ctx) {
    const mode = attrString(node, 'mode', 'nearest');
    if (!UPSAMPLE_MODES.includes(mode)) return `Resize mode '${mode}'`;
    if (mode === 'linear') return null;
    const scales = constantScales(node, ctx);
    if (!scales) return 'Resize-10 nearest with non-constant scales';
    return scales.every((s) => s >= 1) ? null : 'Resize-10 nearest downsampling (scale < 1)';
  },
  apply(node, ctx) {
    const roi = ctx.addInitializer(`${base(node)}_roi`, float32Tensor([], [0]));
    const attrs = [stringAttr('coordinate_transformation_mode', 'asymmetric')];
    if (attrString(node, 'mode', 'nearest') === 'nearest') attrs.push(stringAttr('nearest_mode', 'floor'));
    return [rebuild(node, { input: [node.input[0], roi, node.input[1]], add: attrs })];
  },
};

/** Resize 11 -> 13: coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed (no exact equivalent). */
export const resizeTo13: Converter = {
  why: "coordinate_transformation_mode 'tf_half_pixel_for_nn' was removed",
  check(node) {
    const mode = attrString(node, 'coordinate_transformation_mode', 'half_pixel');
    return mode === 'tf_half_pixel_for_nn'
      ? "Resize coordinate_transformation_mode='tf_half_pixel_for_nn'"
      : null;
  },
  apply: (node) => [rebuild(node, {})],
};

/** Scatter (deprecated at 11, gone after) -> ScatterElements, which has the same inputs and meaning. */
export const scatterToElements: Converter = {
  why: 'Scatter was deprecated; ScatterElements has the same semantics',
  check: () => null,
  apply: (node) => [rebuild(node, { opType: 'ScatterElements' })],
};

/** ConvTranspose 1 -> 11: which side gets the extra pad for auto_pad SAME_* was swapped in the spec. */
export const convTransposeAutoPad: Converter = {
  why: 'auto_pad SAME_UPPER/SAME_LOWER padding side was redefined',
  check(node) {
    const pad = attrString(node, 'auto_pad', 'NOTSET');
    return pad === 'SAME_UPPER' || pad === 'SAME_LOWER' ? `ConvTranspose auto_pad=${pad}` : null;
  },
  apply: (node) => [rebuild(node, {})],
};

/** RoiAlign 10 -> 16: the new coordinate_transformation_mode defaults to half_pixel; 10 behaved as output_half_pixel. */
export const roiAlignCoordinates: Converter = {
  why: "coordinate_transformation_mode was added with default 'half_pixel'; 10 behaved as 'output_half_pixel'",
  check: () => null,
  apply: (node) => [
    rebuild(node, { add: [stringAttr('coordinate_transformation_mode', 'output_half_pixel')] }),
  ],
};

/** A change we do not convert (semantics differ and no exact rewrite is implemented). */
export const unsupported = (reason: string): Converter => ({
  why: reason,
  check: () => reason,
  apply: () => {
    throw new Error(reason);
  },
});
