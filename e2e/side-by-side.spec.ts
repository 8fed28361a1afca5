import { expect, test, type Page } from '@playwright/test';
import { MNIST_MLIR, expectModelReady, fileFromPath, openViaInput, quantize } from './helpers';

// Needs the worker API. Side by side, equal bar heights must mean equal error: one y range for both panels.
const yRange = async (page: Page, testId: string) => {
  const el = page.getByTestId(testId);
  await el.scrollIntoViewIfNeeded();
  await expect(el).toHaveAttribute('data-status', 'ready');
  return el.evaluate((node) => {
    const full = (node as HTMLElement & { _fullLayout?: { yaxis?: { range?: number[] } } })._fullLayout;
    return (full?.yaxis?.range ?? []).map((v) => Math.round(v * 1000) / 1000);
  });
};

test('side by side: both per-layer error panels share one y axis, for every metric', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  for (const metric of ['SQNR', 'MSE', 'Max error']) {
    // The quantize panel has an 'MSE' clip radio too: pick the error metric's.
    await page
      .getByRole('group', { name: 'Error metric' })
      .getByRole('radio', { name: metric, exact: true })
      .check();
    await expect
      .poll(async () => {
        const a = await yRange(page, 'plot-compare-layer-error-a');
        const b = await yRange(page, 'plot-compare-layer-error-b');
        return a.length === 2 && JSON.stringify(a) === JSON.stringify(b);
      }, metric)
      .toBe(true);
  }
});
