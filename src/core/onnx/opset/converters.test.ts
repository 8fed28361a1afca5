// Every converter, on a tiny model at its old opset: onnxruntime-node runs the model before and after the
// upgrade on the same random inputs, and the outputs must match.
import { clone, toBinary } from '@bufbuild/protobuf';
import * as ort from 'onnxruntime-node';
import {
  ModelProtoSchema,
  type ModelProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import {
  attr,
  buildModel,
  floatTensor,
  int64Tensor,
  node,
  valueInfo,
} from '../../../../test/fixtures/onnx-builders';
import { maxRelDiff, randomTensor, randomValues, run } from '../../../../test/fixtures/opset/ort';
import { float32ToFloat16Bits } from '../float16';
import { irVersionFor, planOpsetUpgrade, upgradeOpset } from './index';

interface Case {
  name: string;
  opset: number;
  nodes: NodeProto[];
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  initializers?: TensorProto[];
  feeds: () => Record<string, ort.Tensor>;
  /** Text the change list must contain (proves the converter ran, not just a bump). */
  change: string;
  targets?: number[];
}

const f32 = (name: string, shape?: (number | null)[]) => valueInfo(name, 'float32', shape);
const x4 = [2, 3, 4, 5];
const feedX =
  (dims: number[], seed = 1) =>
  () => ({ x: randomTensor(dims, seed) });
const fp16Tensor = (dims: number[], seed: number) =>
  new ort.Tensor(
    'float16',
    Uint16Array.from(
      randomValues(
        dims.reduce((a, b) => a * b, 1),
        seed,
      ),
      float32ToFloat16Bits,
    ),
    dims,
  );

const CASES: Case[] = [
  // Softmax family: the case where old and new semantics really differ (axis=1 on 4-D).
  {
    name: 'Softmax axis=1 on 4-D, rank known',
    opset: 8,
    nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4),
    change: 'Softmax opset 8→13: rewritten as Flatten/Softmax/Shape/Reshape',
  },
  {
    name: 'Softmax default axis on 4-D, rank unknown',
    opset: 11,
    nodes: [node('Relu', ['x'], ['r']), node('Softmax', ['r'], ['y'])],
    inputs: [f32('x')],
    outputs: [f32('y')],
    feeds: feedX(x4, 2),
    change: 'rewritten as Flatten/Softmax',
  },
  {
    name: 'LogSoftmax axis=2 on 4-D',
    opset: 11,
    nodes: [node('LogSoftmax', ['x'], ['y'], { axis: 2 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 3),
    change: 'LogSoftmax opset 11→13: rewritten',
  },
  {
    name: 'Hardmax default axis on 3-D',
    opset: 8,
    nodes: [node('Hardmax', ['x'], ['y'])],
    inputs: [f32('x', [2, 3, 4])],
    outputs: [f32('y')],
    feeds: feedX([2, 3, 4], 4),
    change: 'Hardmax opset 8→13: rewritten',
  },
  {
    name: 'Softmax axis=-1 (already per-axis)',
    opset: 11,
    nodes: [node('Softmax', ['x'], ['y'], { axis: -1 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 5),
    change: 'Softmax opset 11→13: updated',
  },
  {
    name: 'Softmax axis=1 on [2,10,1,1]',
    opset: 7,
    nodes: [node('Softmax', ['x'], ['y'])],
    inputs: [f32('x', [2, 10, 1, 1])],
    outputs: [f32('y')],
    feeds: feedX([2, 10, 1, 1], 6),
    change: 'Softmax opset 7→13: updated',
  },
  // Clip: min/max attributes -> inputs
  {
    name: 'Clip min/max attrs',
    opset: 8,
    nodes: [node('Clip', ['x'], ['y'], { min: -0.5, max: 0.75 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 7),
    change: 'Clip opset 8→11: updated',
  },
  {
    name: 'Clip max only, type via Relu',
    opset: 7,
    nodes: [node('Relu', ['x'], ['r']), node('Clip', ['r'], ['y'], { max: 0.6 })],
    inputs: [f32('x')],
    outputs: [f32('y')],
    feeds: feedX(x4, 8),
    change: 'Clip opset 7→11',
  },
  {
    name: 'Clip float16',
    opset: 8,
    nodes: [node('Clip', ['x'], ['y'], { min: -1.25, max: 0.5 })],
    inputs: [valueInfo('x', 'float16', x4)],
    outputs: [valueInfo('y', 'float16')],
    feeds: () => ({ x: fp16Tensor(x4, 9) }),
    change: 'Clip opset 8→11',
  },
  // Pad: pads/value attributes -> inputs
  {
    name: 'Pad constant value',
    opset: 8,
    nodes: [node('Pad', ['x'], ['y'], { pads: [0, 1, 2, 0, 0, 2, 1, 3], value: 1.5 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 10),
    change: 'Pad opset 8→11',
  },
  {
    name: 'Pad reflect',
    opset: 10,
    nodes: [node('Pad', ['x'], ['y'], { pads: [0, 0, 1, 2, 0, 0, 2, 1], mode: 'reflect' })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 11),
    change: 'Pad opset 10→11',
  },
  {
    name: 'Pad edge, zero value',
    opset: 7,
    nodes: [node('Pad', ['x'], ['y'], { pads: [0, 0, 1, 1, 0, 0, 1, 1], mode: 'edge' })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 12),
    change: 'Pad opset 7→11',
  },
  // Squeeze / Unsqueeze: axes attribute -> input
  {
    name: 'Squeeze axes',
    opset: 8,
    nodes: [node('Squeeze', ['x'], ['y'], { axes: [0, 2] })],
    inputs: [f32('x', [1, 3, 1, 4])],
    outputs: [f32('y')],
    feeds: feedX([1, 3, 1, 4], 13),
    change: 'Squeeze opset 8→13: updated',
  },
  {
    name: 'Squeeze without axes',
    opset: 11,
    nodes: [node('Squeeze', ['x'], ['y'])],
    inputs: [f32('x', [1, 3, 1, 4])],
    outputs: [f32('y')],
    feeds: feedX([1, 3, 1, 4], 14),
    change: 'Squeeze opset 11→13',
  },
  {
    name: 'Unsqueeze axes',
    opset: 8,
    nodes: [node('Unsqueeze', ['x'], ['y'], { axes: [0, 3] })],
    inputs: [f32('x', [3, 4])],
    outputs: [f32('y')],
    feeds: feedX([3, 4], 15),
    change: 'Unsqueeze opset 8→13',
  },
  // Reductions: axes attribute -> input (ReduceSum 13, the rest 18)
  {
    name: 'ReduceMean axes keepdims=0',
    opset: 8,
    nodes: [node('ReduceMean', ['x'], ['y'], { axes: [1], keepdims: 0 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 16),
    change: 'ReduceMean opset 8→18',
  },
  {
    name: 'ReduceSum negative axes',
    opset: 11,
    nodes: [node('ReduceSum', ['x'], ['y'], { axes: [-1, 1] })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 17),
    change: 'ReduceSum opset 11→13',
  },
  {
    name: 'ReduceMax all axes',
    opset: 8,
    nodes: [node('ReduceMax', ['x'], ['y'])],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 18),
    change: 'ReduceMax opset 8→18',
    targets: [21, 25],
  },
  {
    name: 'ReduceL2 / ReduceLogSumExp chain',
    opset: 10,
    nodes: [
      node('ReduceL2', ['x'], ['r'], { axes: [2, 3] }),
      node('ReduceLogSumExp', ['r'], ['y'], { axes: [1] }),
    ],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 19),
    change: 'ReduceLogSumExp opset 10→18',
  },
  // Split: split attribute -> input (13); an even split needs num_outputs (18)
  {
    name: 'Split with split attr',
    opset: 8,
    nodes: [node('Split', ['x'], ['a', 'b'], { axis: 1, split: [1, 2] })],
    inputs: [f32('x', x4)],
    outputs: [f32('a'), f32('b')],
    feeds: feedX(x4, 20),
    change: 'Split opset 8→13',
  },
  {
    name: 'Split even',
    opset: 8,
    nodes: [node('Split', ['x'], ['a', 'b'], { axis: 3 })],
    inputs: [f32('x', [2, 3, 4, 6])],
    outputs: [f32('a'), f32('b')],
    feeds: feedX([2, 3, 4, 6], 21),
    change: 'Split opset 13→18',
    targets: [18, 21, 25],
  },
  // Slice: starts/ends/axes attributes -> inputs
  {
    name: 'Slice with axes',
    opset: 8,
    nodes: [node('Slice', ['x'], ['y'], { starts: [1, -3], ends: [3, 1000], axes: [1, 3] })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 22),
    change: 'Slice opset 8→10',
  },
  {
    name: 'Slice without axes',
    opset: 9,
    nodes: [node('Slice', ['x'], ['y'], { starts: [0, 1], ends: [1, 3] })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 23),
    change: 'Slice opset 9→10',
  },
  // TopK: k attribute -> input
  {
    name: 'TopK k=3',
    opset: 8,
    nodes: [node('TopK', ['x'], ['v', 'i'], { k: 3 })],
    inputs: [f32('x', x4)],
    outputs: [f32('v'), valueInfo('i', 'int64')],
    feeds: feedX(x4, 24),
    change: 'TopK opset 8→10',
  },
  // Dropout: mask type (10), ratio attribute -> input (12)
  {
    name: 'Dropout ratio, unread mask',
    opset: 7,
    nodes: [node('Dropout', ['x'], ['d', 'mask'], { ratio: 0.3 }), node('Relu', ['d'], ['y'])],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 25),
    change: 'Dropout opset 10→12',
  },
  {
    name: 'Dropout opset 10',
    opset: 10,
    nodes: [node('Dropout', ['x'], ['y'], { ratio: 0.7 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 26),
    change: 'Dropout opset 10→12',
  },
  // BatchNormalization: spatial removed (9)
  {
    name: 'BatchNormalization spatial=1',
    opset: 7,
    nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'], { spatial: 1, epsilon: 0.001 })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    initializers: [
      floatTensor('s', [3], [0.5, 1.5, -1]),
      floatTensor('b', [3], [0.1, -0.2, 0.3]),
      floatTensor('m', [3], [0.05, -0.1, 0.2]),
      floatTensor('v', [3], [0.9, 1.1, 2]),
    ],
    feeds: feedX(x4, 27),
    change: 'BatchNormalization opset 7→9',
  },
  {
    name: 'BatchNormalization opset 8 default spatial',
    opset: 8,
    nodes: [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y'])],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    initializers: [
      floatTensor('s', [3], [2, 1, 0.5]),
      floatTensor('b', [3], [0, 1, -1]),
      floatTensor('m', [3], [0.3, 0, -0.3]),
      floatTensor('v', [3], [0.25, 1, 4]),
    ],
    feeds: feedX(x4, 28),
    change: 'BatchNormalization opset 8→9',
  },
  // Upsample (removed at 10) -> Resize; Resize-10 -> 11 coordinate semantics
  {
    name: 'Upsample-7 nearest',
    opset: 7,
    nodes: [node('Upsample', ['x'], ['y'], { scales: attr.floats('scales', [1, 1, 2, 3]) })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 29),
    change: 'Upsample opset 9→10: rewritten as Resize',
    targets: [10, 11, 13, 21, 25],
  },
  {
    name: 'Upsample-7 linear',
    opset: 8,
    nodes: [node('Upsample', ['x'], ['y'], { scales: attr.floats('scales', [1, 1, 2, 2]), mode: 'linear' })],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    feeds: feedX(x4, 30),
    change: 'Resize opset 10→11',
  },
  {
    name: 'Upsample-9 nearest, scales input',
    opset: 9,
    nodes: [node('Upsample', ['x', 'sc'], ['y'])],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    initializers: [floatTensor('sc', [4], [1, 1, 3, 2])],
    feeds: feedX(x4, 31),
    change: 'Upsample opset 9→10',
  },
  {
    name: 'Resize-10 nearest upsample',
    opset: 10,
    nodes: [node('Resize', ['x', 'sc'], ['y'])],
    inputs: [f32('x', x4)],
    outputs: [f32('y')],
    initializers: [floatTensor('sc', [4], [1, 1, 1.5, 2.5])],
    feeds: feedX(x4, 32),
    change: 'Resize opset 10→11',
  },
  {
    name: 'Resize-10 linear downsample',
    opset: 10,
    nodes: [node('Resize', ['x', 'sc'], ['y'], { mode: 'linear' })],
    inputs: [f32('x', [1, 2, 8, 6])],
    outputs: [f32('y')],
    initializers: [floatTensor('sc', [4], [1, 1, 0.5, 0.75])],
    feeds: feedX([1, 2, 8, 6], 33),
    change: 'Resize opset 10→11',
  },
  // Scatter -> ScatterElements
  {
    name: 'Scatter axis=1',
    opset: 9,
    nodes: [node('Scatter', ['x', 'idx', 'u'], ['y'], { axis: 1 })],
    inputs: [f32('x', [3, 4])],
    outputs: [f32('y')],
    initializers: [
      int64Tensor('idx', [3, 2], [0, 3, 1, 2, 3, 0]),
      floatTensor('u', [3, 2], [1, 2, 3, 4, 5, 6]),
    ],
    feeds: feedX([3, 4], 34),
    change: 'Scatter opset 9→11: rewritten as ScatterElements',
  },
  // RoiAlign: 16 added coordinate_transformation_mode defaulting to half_pixel; 10 meant output_half_pixel
  {
    name: 'RoiAlign-10',
    opset: 10,
    nodes: [
      node('RoiAlign', ['x', 'rois', 'bi'], ['y'], {
        output_height: 3,
        output_width: 2,
        sampling_ratio: 2,
        spatial_scale: 0.5,
      }),
    ],
    inputs: [f32('x', [2, 3, 8, 8])],
    outputs: [f32('y')],
    initializers: [
      floatTensor('rois', [2, 4], [1, 2, 9, 13, 0.5, 0, 15, 7.5]),
      int64Tensor('bi', [2], [1, 0]),
    ],
    feeds: feedX([2, 3, 8, 8], 35),
    change: 'RoiAlign opset 10→16',
    targets: [16, 21], // onnxruntime 1.30 has no RoiAlign-22 kernel (see ort-coverage.test.ts)
  },
  // ConvTranspose with explicit pads: 11 only rewrote the auto_pad SAME_* rule, so this is a plain bump
  {
    name: 'ConvTranspose explicit pads',
    opset: 8,
    nodes: [node('ConvTranspose', ['x', 'w'], ['y'], { strides: [2, 2], pads: [1, 0, 0, 1] })],
    inputs: [f32('x', [1, 2, 4, 4])],
    outputs: [f32('y')],
    initializers: [floatTensor('w', [2, 3, 3, 3], Array.from(randomValues(54, 36)))],
    feeds: feedX([1, 2, 4, 4], 37),
    change: 'ConvTranspose opset 8→11: updated',
  },
];

const ALL_TARGETS = [13, 18, 21, 25, 26];

function model(c: Case): ModelProto {
  return buildModel({
    opset: c.opset,
    irVersion: Math.max(4, irVersionFor(c.opset)),
    nodes: c.nodes,
    inputs: c.inputs,
    outputs: c.outputs,
    initializers: c.initializers,
  });
}

async function expectSameOutputs(before: ModelProto, after: ModelProto, feeds: Record<string, ort.Tensor>) {
  const a = await run(before, feeds, { plain: true });
  const b = await run(after, feeds, { plain: true });
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  for (const k of Object.keys(a)) expect(maxRelDiff(b[k], a[k]), k).toBeLessThanOrEqual(1e-6);
}

describe.each(CASES)('$name (opset $opset)', (c) => {
  const targets = (c.targets ?? ALL_TARGETS).filter((t) => t >= c.opset);
  it.each(targets)('-> opset %i gives the same outputs', async (target) => {
    const m = model(c);
    const bytes = toBinary(ModelProtoSchema, m);
    const { proto, changes } = upgradeOpset(m, target);
    if (target >= 18 || c.targets) expect(changes.join('\n')).toContain(c.change);
    expect(toBinary(ModelProtoSchema, m)).toEqual(bytes); // input not mutated
    await expectSameOutputs(m, proto, c.feeds());
  });
});

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
