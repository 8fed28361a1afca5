// Converters of layer ops (Dropout, BatchNormalization, Upsample, Resize, Scatter, RoiAlign, ConvTranspose), each on a
// tiny model at its old opset: onnxruntime-node runs it before and after the upgrade on the same random inputs.
import { attr, floatTensor, int64Tensor, node } from '../../../../test/fixtures/onnx-builders';
import { randomValues } from '../../../../test/fixtures/opset/ort';
import { type Case, f32, feedX, runCases, x4 } from '../../../../test/fixtures/opset/converter-cases';

const CASES: Case[] = [
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

runCases(CASES);
