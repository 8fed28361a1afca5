import { expect, test } from '@playwright/test';
import {
  buildModel,
  floatTensor,
  modelBytes,
  node,
  ramp,
  tensor,
  valueInfo,
} from '../test/fixtures/onnx-builders';
import { expectModelReady, openViaInput } from './helpers';

// A model whose only weight is already int8 behind DequantizeLinear (what onnxruntime's quantizer writes), plus one
// float MatMul weight: the overview must say what is quantized, and the table lists only the float weight.
const MODEL = modelBytes(
  buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [1, 16])],
    outputs: [valueInfo('y')],
    nodes: [
      node('DequantizeLinear', ['wq', 'ws'], ['w1'], { axis: 1 }),
      node('MatMul', ['x', 'w1'], ['h']),
      node('MatMul', ['h', 'w2'], ['y']),
    ],
    initializers: [
      tensor('wq', 'int8', [16, 8], ramp(128, 1).map(Math.round)),
      floatTensor('ws', [8], [0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02]),
      floatTensor('w2', [8, 4], ramp(32)),
    ],
  }),
);

test('an already-quantized model says what is quantized and how', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'already-int8.onnx', bytes: MODEL }]);
  await expectModelReady(page, 'already-int8.onnx');
  await expect(page.getByTestId('already-quantized')).toContainText(
    'Already quantized: 1 DequantizeLinear weight, int8 per-channel',
  );
  await expect(page.getByTestId('weight-row')).toHaveCount(1);
  await expect(page.getByTestId('weight-row')).toHaveAttribute('data-weight', 'w2');
});
