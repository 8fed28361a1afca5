import { expect, test } from '@playwright/test';
import { matMulChain } from './fixtures/onnx-builder';
import {
  MLIR_PARAMS,
  MNIST_MLIR,
  V8,
  dropFiles,
  expectModelReady,
  fileFromPath,
  openDemo,
  openViaInput,
  quantize,
} from './helpers';

// All of these need the worker API (open).

test('load a model through the file input: overview and weights table', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  const summary = page.getByTestId('model-summary');
  await expect(summary.getByTestId('total-params')).toHaveText(MLIR_PARAMS.toLocaleString('en-US'));
  await expect(summary).toContainText('opset 13');
  await expect(summary).toContainText('pytorch');
  await expect(summary).toContainText('image');
  await expect(summary).toContainText('prediction');
  await expect(summary).toContainText('Gemm');
  const rows = page.getByTestId('weight-row');
  await expect(rows).toHaveCount(2);
  // The largest weight is selected first; sorting by params ascending puts the small one on top.
  await expect(page.locator('[data-testid=weight-row][aria-selected=true]')).toHaveAttribute(
    'data-weight',
    /fc1/,
  );
  await page.getByRole('button', { name: 'Params' }).click(); // desc
  await page.getByRole('button', { name: 'Params' }).click(); // asc
  await expect(rows.first()).toHaveAttribute('data-weight', /fc2/);
  await page.getByRole('searchbox', { name: 'Filter weights' }).fill('fc1');
  await expect(rows).toHaveCount(1);
});

test('load a model by dropping it on the page', async ({ page }) => {
  await page.goto('/');
  await dropFiles(page, [fileFromPath(MNIST_MLIR, 'dropped-mnist.onnx')]);
  await expectModelReady(page, 'dropped-mnist.onnx');
});

test('the demo button loads mnist-8', async ({ page }) => {
  await openDemo(page);
  await expect(page.getByTestId('total-params')).toHaveText('5,998');
});

test('a corrupt file is reported as not ONNX', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [
    { name: 'garbage.onnx', bytes: new Uint8Array(4096).map((_, i) => (i * 97 + 13) & 0xff) },
  ]);
  const error = page.getByTestId('load-error');
  await expect(error).toHaveAttribute('data-error-name', 'OnnxParseError');
  await expect(error).toContainText('not an ONNX model');
});

test('a truncated model is reported and the page stays usable', async ({ page }) => {
  const whole = fileFromPath(MNIST_MLIR);
  await page.goto('/');
  await openViaInput(page, [{ name: 'cut.onnx', bytes: whole.bytes.slice(0, 50_000) }]);
  await expect(page.getByTestId('load-error')).toBeVisible();
  await expect(page.getByTestId('load-error')).toContainText('cut.onnx');
  await openViaInput(page, [whole]);
  await expectModelReady(page, 'model.onnx');
});

test('a failed load keeps the model and the variants already computed', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  await openViaInput(page, [{ name: 'broken.onnx', bytes: new Uint8Array([1, 2, 3, 4, 5]) }]);
  await expect(page.getByTestId('load-error')).toContainText('broken.onnx');
  // Still on screen and usable: the previous model and its variant.
  await expect(page.getByTestId('model-summary').getByRole('heading', { level: 2 })).toHaveText('model.onnx');
  await expect(page.getByTestId(`variant-row-${V8}`)).toBeVisible();
  await page.getByRole('button', { name: /Keep working on model.onnx/ }).click();
  await expect(page.getByTestId('load-error')).toHaveCount(0);
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-status', 'ready');
});

test('external data: a missing file is named; dropped together it loads', async ({ page }) => {
  const { model, external } = matMulChain({ layers: 2, width: 16, externalFile: 'chain.weights.bin' });
  await page.goto('/');
  await dropFiles(page, [{ name: 'chain.onnx', bytes: model }]);
  const error = page.getByTestId('load-error');
  await expect(error).toHaveAttribute('data-error-name', 'ExternalDataMissingError');
  await expect(error).toContainText('chain.weights.bin');
  await dropFiles(page, [
    { name: 'chain.onnx', bytes: model },
    { name: 'chain.weights.bin', bytes: external as Uint8Array },
  ]);
  await expectModelReady(page, 'chain.onnx');
  await expect(page.getByTestId('weight-row')).toHaveCount(2);
});
