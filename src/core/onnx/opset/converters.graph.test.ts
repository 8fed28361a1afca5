// Opset upgrades across a graph: subgraphs (If branches) are upgraded too, and unconvertible ops block with a reason.
import { clone, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import { ModelProtoSchema, type NodeProto } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { attr, buildModel, floatTensor, node, valueInfo } from '../../../../test/fixtures/onnx-builders';
import { randomTensor } from '../../../../test/fixtures/opset/ort';
import { planOpsetUpgrade, upgradeOpset } from './index';
import { expectSameOutputs, f32, feedX, model, x4 } from '../../../../test/fixtures/opset/converter-cases';

describe('subgraphs', () => {
  it('upgrades a Softmax and a Squeeze inside If branches', async () => {
    const branch = (op: 'Softmax' | 'Squeeze', out: string) =>
      buildModel({
        nodes:
          op === 'Softmax'
            ? [node('Softmax', ['x'], [out], { axis: 1 })]
            : [
                node('Squeeze', ['x'], ['sq'], { axes: [0] }),
                node('Unsqueeze', ['sq'], [out], { axes: [0] }),
              ],
        outputs: [f32(out)],
      }).graph!;
    const m = buildModel({
      opset: 8,
      irVersion: 4,
      inputs: [valueInfo('c', 'bool', []), f32('x', [1, 3, 4])],
      outputs: [f32('y')],
      nodes: [
        node('If', ['c'], ['y'], {
          then_branch: branch('Softmax', 't'),
          else_branch: branch('Squeeze', 'e'),
        }),
      ],
    });
    const { proto, changes } = upgradeOpset(m, 21);
    expect(changes.join('\n')).toMatch(/Softmax opset 8→13[\s\S]*Squeeze opset 8→13/);
    for (const c of [true, false]) {
      await expectSameOutputs(m, proto, {
        c: new ort.Tensor('bool', [c], []),
        x: randomTensor([1, 3, 4], 40),
      });
    }
  });
});

describe('blocking', () => {
  const single = (n: NodeProto, opset = 8, outputs = [f32('y')]) =>
    buildModel({ opset, irVersion: 4, nodes: [n], inputs: [f32('x', x4)], outputs });

  it.each([
    ['an unknown ai.onnx op', single(node('FooBar', ['x'], ['y'])), 'FooBar'],
    ['Scan-8 (semantics changed at 9)', single(node('Scan', ['x'], ['y'])), 'Scan opset 8→9'],
    [
      'a Dropout whose mask is a graph output',
      single(node('Dropout', ['x'], ['y', 'm']), 8, [f32('y'), f32('m')]),
      'Dropout opset 8→10',
    ],
    [
      'BatchNormalization spatial=0',
      single(node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { spatial: 0 }), 7),
      'spatial=0',
    ],
    [
      'Resize-10 nearest downsampling',
      buildModel({
        opset: 10,
        irVersion: 5,
        nodes: [node('Resize', ['x', 'sc'], ['y'])],
        inputs: [f32('x', x4)],
        outputs: [f32('y')],
        initializers: [floatTensor('sc', [4], [1, 1, 0.5, 1])],
      }),
      'scale < 1',
    ],
    [
      'ConvTranspose auto_pad SAME_UPPER',
      single(node('ConvTranspose', ['x', 'w'], ['y'], { auto_pad: 'SAME_UPPER' })),
      'auto_pad=SAME_UPPER',
    ],
  ])('blocks %s and names it', (_label, m, expected) => {
    const bytes = toBinary(ModelProtoSchema, m);
    const plan = planOpsetUpgrade(m, 21);
    expect(toBinary(ModelProtoSchema, m)).toEqual(bytes); // planning changes nothing
    expect(plan.ok).toBe(false);
    if (plan.ok) return;
    expect(plan.blockers.join('\n')).toContain(expected);
    expect(() => upgradeOpset(m, 21)).toThrow(
      expect.objectContaining({ name: 'UnsupportedModelError', message: expect.stringContaining(expected) }),
    );
  });

  it('blocks a Clip of unknown element type below opset 15 but converts it at 15+ with CastLike', async () => {
    const m = buildModel({
      opset: 8,
      irVersion: 4,
      nodes: [node('Clip', ['x'], ['y'], { min: attr.float('min', 0) })],
      inputs: [valueInfo('x', 'float32', x4)],
      outputs: [f32('y')],
    });
    m.graph!.input[0].type = undefined; // element type unknown
    expect(planOpsetUpgrade(m, 13)).toMatchObject({ ok: false });
    const { proto, changes } = upgradeOpset(m, 21);
    expect(changes.join('\n')).toContain('CastLike');
    const typed = model({
      name: '',
      opset: 8,
      nodes: m.graph!.node,
      inputs: [f32('x', x4)],
      outputs: [f32('y')],
      feeds: feedX(x4),
      change: '',
    });
    const withType = clone(ModelProtoSchema, proto);
    withType.graph!.input = [f32('x', x4)];
    await expectSameOutputs(typed, withType, { x: randomTensor(x4, 41) });
  });

  it.each([
    [27, 'not supported'],
    [7, 'below'],
  ])('rejects target opset %i', (target, msg) => {
    const m = single(node('Relu', ['x'], ['y']));
    expect(planOpsetUpgrade(m, target)).toMatchObject({ ok: false, reason: expect.stringContaining(msg) });
    expect(() => upgradeOpset(m, target)).toThrow(msg);
  });

  it('leaves other domains and their opset imports alone; never lowers the IR version', () => {
    const m = buildModel({
      opset: { '': 11, 'com.microsoft': 1 },
      irVersion: 11,
      nodes: [node('Gelu', ['x'], ['y'], {}, { domain: 'com.microsoft' })],
      inputs: [f32('x', x4)],
      outputs: [f32('y')],
    });
    const { proto } = upgradeOpset(m, 21);
    expect(proto.graph!.node[0]).toBe(m.graph!.node[0]);
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual(
      expect.arrayContaining([
        ['com.microsoft', 1],
        ['', 21],
      ]),
    );
    expect(Number(proto.irVersion)).toBe(11);
  });
});
