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
import { expectModelReady, openViaInput, plotTraces } from './helpers';

// A model whose only weight is already int8 behind DequantizeLinear (what onnxruntime's quantizer writes), plus one
// float MatMul weight: the overview must say what is quantized, and the table lists only the float weight.
const WQ = tensor('wq', 'int8', [16, 8], ramp(128, 1).map(Math.round)); // levels −64..63, row-major
const WS = floatTensor('ws', [8], [0.01, 0.02, 0.01, 0.02, 0.01, 0.02, 0.01, 0.02]); // per column (axis 1)

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
    initializers: [WQ, WS, floatTensor('w2', [8, 4], ramp(32))],
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

test('its integer weights show a histogram of their dequantized values', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'already-int8.onnx', bytes: MODEL }]);
  await expectModelReady(page, 'already-int8.onnx');
  const panel = page.getByTestId('already-quantized-weights');
  await expect(panel.getByTestId('quantized-row')).toHaveCount(1);
  await expect(panel.getByTestId('quantized-row')).toContainText('int8 per-channel');
  // Hand-computed: level −63 sits in column 1 (scale 0.02) → −1.26; level 63 in column 7 (0.02) → 1.26. The raw
  // levels span −64..63, so a histogram of the integers (or of levels × one scale) would show another range.
  await expect(panel.getByTestId('quantized-range')).toHaveText('wq: dequantized values in [-1.260, 1.260]');
  const [trace] = await plotTraces(page, 'plot-quantized-histogram');
  expect(trace.meta).toMatchObject({ weight: 'wq', kind: 'already-quantized' });
  expect((trace.y as (number | null)[]).reduce<number>((a, c) => a + (c ?? 0), 0)).toBe(128);
});

test('Quantize is refused with the reason when nothing in the model can be quantized', async ({ page }) => {
  // Only the already-int8 weight: nothing float to quantize.
  const onlyInt8 = modelBytes(
    buildModel({
      opset: 13,
      inputs: [valueInfo('x', 'float32', [1, 16])],
      outputs: [valueInfo('y')],
      nodes: [
        node('DequantizeLinear', ['wq', 'ws'], ['w1'], { axis: 1 }),
        node('MatMul', ['x', 'w1'], ['y']),
      ],
      initializers: [WQ, WS],
    }),
  );
  await page.goto('/');
  await openViaInput(page, [{ name: 'only-int8.onnx', bytes: onlyInt8 }]);
  await expectModelReady(page, 'only-int8.onnx');
  const quantizeButton = page.getByRole('button', { name: 'Quantize', exact: true });
  await expect(quantizeButton).toBeDisabled();
  await expect(page.getByTestId('nothing-to-quantize')).toHaveText(
    'Nothing to quantize: it is already quantized (1 DequantizeLinear weight, int8 per-channel).',
  );

  // The mixed model can be quantized until its one float weight is unticked; then the same refusal names both.
  await openViaInput(page, [{ name: 'already-int8.onnx', bytes: MODEL }]);
  await expectModelReady(page, 'already-int8.onnx');
  await expect(quantizeButton).toBeEnabled();
  await expect(page.getByTestId('nothing-to-quantize')).toHaveCount(0);
  await page.getByRole('checkbox', { name: 'Quantize w2' }).uncheck();
  await expect(quantizeButton).toBeDisabled();
  await expect(page.getByTestId('nothing-to-quantize')).toHaveText(
    'Nothing to quantize: it is already quantized (1 DequantizeLinear weight, int8 per-channel); every weight found is kept float: w2 (excluded).',
  );
});
