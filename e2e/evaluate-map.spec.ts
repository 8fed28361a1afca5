import { expect, test } from '@playwright/test';
import { buildNpy } from '../test/fixtures/samples/entries';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../test/fixtures/onnx-builders';
import { pseudoWeights } from './fixtures/onnx-builder';
import { V4, V8, evaluate, expectModelReady, expectSamplesReady, openViaInput, quantize } from './helpers';

// A small segmentation-like conv net whose only output is a map [N, 4, 8, 8]: no class scores, so evaluation must
// give output fidelity (SQNR, cosine, max |Δ|, IoU above the threshold the user sets) and no accuracy.
test.describe.configure({ timeout: 120_000 });

const C_IN = 3;
const C_MID = 8;
const C_OUT = 4;
const MODEL = modelBytes(
  buildModel({
    opset: 13,
    inputs: [valueInfo('image', 'float32', ['N', C_IN, 8, 8])],
    outputs: [valueInfo('mask', 'float32', ['N', C_OUT, 8, 8])],
    nodes: [
      node('Conv', ['image', 'W1', 'B1'], ['h'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
      node('Relu', ['h'], ['r']),
      node('Conv', ['r', 'W2'], ['mask'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }),
    ],
    initializers: [
      floatTensor('W1', [C_MID, C_IN, 3, 3], Array.from(pseudoWeights(C_MID * C_IN * 9, 21))),
      floatTensor('B1', [C_MID], Array.from(pseudoWeights(C_MID, 22))),
      floatTensor(
        'W2',
        [C_OUT, C_MID, 3, 3],
        Array.from(pseudoWeights(C_OUT * C_MID * 9, 23), (v) => v * 3),
      ),
    ],
  }),
);

const N = 6;
const inputs = Float32Array.from(pseudoWeights(N * C_IN * 64, 24), (v) => v * 30);
const INPUTS_NPY = buildNpy('<f4', [N, C_IN, 8, 8], new Uint8Array(inputs.buffer));

test('a model whose only output is a map: output fidelity with IoU at the set threshold, no accuracy', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'segmenter.onnx', bytes: MODEL }]);
  await expectModelReady(page, 'segmenter.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');

  await page
    .getByTestId('samples-file-input')
    .setInputFiles([
      { name: 'inputs.npy', mimeType: 'application/octet-stream', buffer: Buffer.from(INPUTS_NPY) },
    ]);
  await expectSamplesReady(page, N);
  await evaluate(page);

  // No labels, no class scores: no accuracy anywhere, and the page says why.
  await expect(page.getByTestId('eval-results')).toHaveAttribute('data-status', 'unlabeled');
  await expect(page.getByTestId('fidelity-only')).toBeVisible();
  await expect(page.getByTestId('eval-results').getByTestId('eval-top1')).toHaveCount(0);
  await expect(page.getByTestId('eval-results-table')).not.toContainText('Top-1');
  // The variants table shows the map's SQNR in place of accuracy (there is no class to agree on).
  await expect(page.getByTestId(`variant-accuracy-${V8}`)).toContainText('mask SQNR');
  await expect(page.getByTestId(`variant-accuracy-${V8}`)).not.toContainText('%');

  await expect(page.getByTestId('output-fidelity')).toContainText(`mask [${N} × 4 × 8 × 8] (map)`);
  await expect(page.getByTestId('iou-header')).toHaveText('IoU @ 0.5');
  const read = async (variant: string, metric: string) =>
    Number(
      await page
        .getByTestId(`fidelity-${variant}-mask`)
        .getByTestId(`fidelity-${metric}`)
        .getAttribute('data-value'),
    );
  const v8 = {
    sqnr: await read(V8, 'sqnr'),
    cosine: await read(V8, 'cosine'),
    max: await read(V8, 'maxabs'),
  };
  const v4 = {
    sqnr: await read(V4, 'sqnr'),
    cosine: await read(V4, 'cosine'),
    max: await read(V4, 'maxabs'),
  };
  // 8-bit moves the map less than 4-bit on every measure; each is a real, finite measurement.
  expect(v8.sqnr).toBeGreaterThan(v4.sqnr);
  expect(v4.sqnr).toBeGreaterThan(0);
  expect(v8.cosine).toBeGreaterThan(0.99);
  expect(v8.cosine).toBeLessThanOrEqual(1);
  expect(v8.cosine).toBeGreaterThanOrEqual(v4.cosine);
  expect(v8.max).toBeGreaterThan(0);
  expect(v8.max).toBeLessThan(v4.max);
  const shown = page.getByTestId(`variant-accuracy-${V8}`).getByTestId('variant-output-sqnr');
  expect(Number(await shown.getAttribute('data-value'))).toBe(v8.sqnr);
  for (const v of [V8, V4]) {
    const iou = await read(v, 'iou');
    expect(iou).toBeGreaterThan(0);
    expect(iou).toBeLessThanOrEqual(1);
  }

  // The threshold the user sets is the one the next evaluation uses and names.
  await page.getByTestId('iou-threshold').fill('0.25');
  await evaluate(page);
  await expect(page.getByTestId('iou-header')).toHaveText('IoU @ 0.25');
  expect(await read(V8, 'iou')).toBeGreaterThan(0);
});
