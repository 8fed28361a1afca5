import { expect, test } from '@playwright/test';
import { bigChainModel } from './fixtures/onnx-builder';
import { expectModelReady, openViaInput, quantize } from './helpers';

// Needs the worker API. A generated model big enough that quantizing every bit width takes seconds.
const BIG = bigChainModel();
const ALL = ['2-bit', '3-bit', '4-bit', '5-bit', '6-bit', '7-bit', '8-bit', 'fp16'];

test.describe.configure({ timeout: 180_000 });

test('cancel a running quantization: the app stays consistent and can quantize again', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: BIG }]);
  await expectModelReady(page, 'big-chain.onnx');
  await quantize(page, ALL);
  const batch = page.getByTestId('quantize-batch');
  await expect(batch).toHaveAttribute('data-status', 'running');
  await expect(page.locator('[data-testid=variant-list] > li[data-status=running]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(batch).toHaveAttribute('data-status', 'idle');

  // Nothing is left running or queued, and the batch did not complete.
  const rows = page.locator('[data-testid=variant-list] > li');
  await expect(page.locator('[data-testid=variant-list] > li[data-status=running]')).toHaveCount(0);
  await expect(page.locator('[data-testid=variant-list] > li[data-status=idle]')).toHaveCount(0);
  expect(await rows.count()).toBeLessThan(ALL.length);
  await expect(page.getByRole('alert')).toHaveCount(0); // a cancel is not an error
  await expect(page.getByTestId('model-summary')).toHaveAttribute('data-status', 'ready');

  // The app still works: quantize one variant after the cancel.
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId('variant-w8-sym-channel')).toHaveAttribute('data-status', 'done');
  await expect(batch).toHaveAttribute('data-status', 'idle');
});
