import { expect, test } from '@playwright/test';
import { matMulChain } from './fixtures/onnx-builder';
import { LONG_TASK_BUDGET_MS, expectModelReady, openViaInput, quantize } from './helpers';

// Needs the worker API. A generated model big enough that quantizing every bit width takes seconds.
const BIG = matMulChain({ layers: 24, width: 640 }).model; // ~9.8M params, ~39 MB
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

test('the main thread stays responsive while the worker quantizes', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: BIG }]);
  await expectModelReady(page, 'big-chain.onnx');
  // Let the first plots (and plotly itself) load before measuring.
  for (const id of ['plot-histogram', 'plot-channel-ranges', 'plot-error-curve']) {
    await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'ready');
  }
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await quantize(page, ['8-bit', '4-bit']);
  const batch = page.getByTestId('quantize-batch');
  await expect(batch).toHaveAttribute('data-status', 'running');
  // While it runs, the page answers input: the histogram scale toggle flips at once.
  await page.getByRole('radio', { name: 'Log' }).check();
  await expect(page.getByRole('radio', { name: 'Log' })).toBeChecked();
  await expect(batch).toHaveAttribute('data-status', 'idle', { timeout: 120_000 });
  const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  test
    .info()
    .annotations.push({ type: 'long tasks (ms)', description: JSON.stringify(longTasks.map(Math.round)) });
  expect(Math.max(0, ...longTasks)).toBeLessThan(LONG_TASK_BUDGET_MS);
});
