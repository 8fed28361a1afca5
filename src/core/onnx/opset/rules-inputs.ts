import { TensorProto_DataType as DT, type NodeProto } from 'onnx-buf';
import {
  FLOAT_TYPES,
  attrFloat,
  attrInt,
  attrInts,
  attrString,
  floatScalar,
  getAttr,
  int64Tensor,
  intAttr,
  makeNode,
  rebuild,
  type ConvertContext,
  type Converter,
} from './context';

/** Ops whose list attributes became int64 inputs: the values move into an initializer, nothing else changes. */

const base = (node: NodeProto) => node.name || node.opType;

/** Appends trailing inputs, filling gaps with '' (omitted optional inputs). */
function withInputs(node: NodeProto, extra: (string | undefined)[]): string[] {
  const inputs = [...node.input, ...extra.map((e) => e ?? '')];
  while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
  return inputs;
}

/** `attr` (ints) -> optional int64 input appended after the existing inputs. Squeeze/Unsqueeze/Reduce*. */
export const intsAttrToInput = (attr: string): Converter => ({
  why: `the ${attr} attribute became an input`,
  check: () => null,
  apply(node, ctx) {
    const values = attrInts(node, attr);
    const name = values && ctx.addInitializer(`${base(node)}_${attr}`, int64Tensor(values));
    return [rebuild(node, { input: withInputs(node, [name]), drop: [attr] })];
  },
});

/** Split 11 -> 13: `split` attribute -> optional input. */
export const splitAttrToInput = intsAttrToInput('split');

/** Split 13 -> 18: an even split without a `split` input must now say how many parts (num_outputs). */
export const splitNumOutputs: Converter = {
  why: 'an even split must now carry num_outputs',
  check: () => null,
  apply(node) {
    if (node.input[1]) return [rebuild(node, {})];
    return [rebuild(node, { input: [node.input[0]], add: [intAttr('num_outputs', node.output.length)] })];
  },
};

/** Slice 1 -> 10: starts/ends/axes attributes -> inputs. */
export const sliceAttrsToInputs: Converter = {
  why: 'starts/ends/axes attributes became inputs',
  check(node) {
    return attrInts(node, 'starts') && attrInts(node, 'ends') ? null : 'Slice without starts/ends';
  },
  apply(node, ctx) {
    const b = base(node);
    const starts = ctx.addInitializer(`${b}_starts`, int64Tensor(attrInts(node, 'starts') ?? []));
    const ends = ctx.addInitializer(`${b}_ends`, int64Tensor(attrInts(node, 'ends') ?? []));
    const axesV = attrInts(node, 'axes');
    const axes = axesV && ctx.addInitializer(`${b}_axes`, int64Tensor(axesV));
    return [
      rebuild(node, { input: withInputs(node, [starts, ends, axes]), drop: ['starts', 'ends', 'axes'] }),
    ];
  },
};

/** TopK 1 -> 10: k attribute -> 1-D int64 input. */
export const topkAttrToInput: Converter = {
  why: 'the k attribute became an input',
  check: (node) => (getAttr(node, 'k') ? null : 'TopK without k attribute'),
  apply(node, ctx) {
    const k = ctx.addInitializer(`${base(node)}_k`, int64Tensor([BigInt(attrInt(node, 'k', 0))]));
    return [rebuild(node, { input: [node.input[0], k], drop: ['k'] })];
  },
};

/**
 * A float scalar of the input's element type. When the type is not declared, CastLike (opset >= 15)
 * gives the constant the input's type at run time; before 15 we cannot know it and block.
 */
function typedScalar(
  node: NodeProto,
  ctx: ConvertContext,
  label: string,
  value: number,
): { name: string; nodes: NodeProto[] } {
  const x = node.input[0];
  const t = ctx.elemTypeOf(x);
  if (t !== undefined && FLOAT_TYPES.has(t)) {
    return { name: ctx.addInitializer(`${base(node)}_${label}`, floatScalar(t, value)), nodes: [] };
  }
  const f = ctx.addInitializer(`${base(node)}_${label}_f32`, floatScalar(DT.FLOAT, value));
  const out = ctx.freshName(`${base(node)}_${label}`);
  return {
    name: out,
    nodes: [makeNode('CastLike', ctx.freshName(`${base(node)}/CastLike_${label}`), [f, x], [out])],
  };
}

function typedScalarCheck(node: NodeProto, ctx: ConvertContext, op: string): string | null {
  const t = ctx.elemTypeOf(node.input[0]);
  if (t !== undefined && FLOAT_TYPES.has(t)) return null;
  if (t !== undefined) return `${op} on element type ${t} is not supported`;
  return ctx.target >= 15
    ? null
    : `${op}: element type of '${node.input[0]}' unknown (needs target opset >= 15)`;
}

/** Clip 6 -> 11: min/max attributes -> optional inputs of the input's type. */
export const clipAttrsToInputs: Converter = {
  why: 'min/max attributes became inputs',
  check(node, ctx) {
    const has = attrFloat(node, 'min') !== undefined || attrFloat(node, 'max') !== undefined;
    return has ? typedScalarCheck(node, ctx, 'Clip') : null;
  },
  apply(node, ctx) {
    const extra: NodeProto[] = [];
    const lim = (label: 'min' | 'max') => {
      const v = attrFloat(node, label);
      if (v === undefined) return undefined;
      const s = typedScalar(node, ctx, label, v);
      extra.push(...s.nodes);
      return s.name;
    };
    const min = lim('min');
    const max = lim('max');
    return [...extra, rebuild(node, { input: withInputs(node, [min, max]), drop: ['min', 'max'] })];
  },
};

/** Pad 2 -> 11: pads/value attributes -> inputs (`paddings` was the v1 name, before our minimum opset 7). */
export const padAttrsToInputs: Converter = {
  why: 'pads/value attributes became inputs',
  check(node, ctx) {
    if (!attrInts(node, 'pads')) return 'Pad without pads attribute';
    const mode = attrString(node, 'mode', 'constant');
    if (!['constant', 'reflect', 'edge'].includes(mode)) return `Pad mode '${mode}'`;
    const value = attrFloat(node, 'value') ?? 0;
    return mode === 'constant' && value !== 0 ? typedScalarCheck(node, ctx, 'Pad') : null;
  },
  apply(node, ctx) {
    const pads = ctx.addInitializer(`${base(node)}_pads`, int64Tensor(attrInts(node, 'pads') ?? []));
    const value = attrFloat(node, 'value') ?? 0;
    const mode = attrString(node, 'mode', 'constant');
    const cv = mode === 'constant' && value !== 0 ? typedScalar(node, ctx, 'value', value) : undefined;
    return [
      ...(cv?.nodes ?? []),
      rebuild(node, { input: withInputs(node, [pads, cv?.name]), drop: ['pads', 'value'] }),
    ];
  },
};
