import type { NodeProto } from 'onnx-buf';
import { attrInt, intAttr, makeNode, rebuild, type ConvertContext, type Converter } from './context';

/**
 * Softmax / LogSoftmax / Hardmax before 13 coerce the input to 2-D at `axis` (default 1) and normalise
 * over everything from `axis` on; from 13 they normalise along one axis (default -1).
 *
 * - Same result when every dim after `axis` is statically 1 (incl. axis = last): keep the op, write axis.
 * - Otherwise reproduce the old semantics exactly, without knowing the rank:
 *   Flatten(axis) -> op(axis=-1) -> Reshape(to Shape(x)).
 */
export const coercedAxisTo13: Converter = {
  why: 'the axis now names a single dimension instead of coercing the input to 2-D',
  whyInPlace:
    'the dims after the axis are all 1, so the old (2-D coercion) and new (single axis) meanings agree; axis written explicitly',
  check: () => null,
  apply(node: NodeProto, ctx: ConvertContext): NodeProto[] {
    const axis = attrInt(node, 'axis', 1);
    const x = node.input[0];
    const shape = ctx.shapeOf(x);
    if (shape) {
      const a = axis < 0 ? axis + shape.length : axis;
      if (a >= 0 && a < shape.length && shape.slice(a + 1).every((d) => d === 1)) {
        return [rebuild(node, { add: [intAttr('axis', axis)] })];
      }
    }
    const base = node.name || node.opType;
    const flat = ctx.freshName(`${base}_flat`);
    const normed = ctx.freshName(`${base}_2d`);
    const shapeName = ctx.freshName(`${base}_shape`);
    return [
      makeNode('Flatten', ctx.freshName(`${base}/Flatten`), [x], [flat], [intAttr('axis', axis)]),
      rebuild(node, { input: [flat], output: [normed], add: [intAttr('axis', -1)] }),
      makeNode('Shape', ctx.freshName(`${base}/Shape`), [x], [shapeName]),
      makeNode('Reshape', ctx.freshName(`${base}/Reshape`), [normed, shapeName], [node.output[0]]),
    ];
  },
};
