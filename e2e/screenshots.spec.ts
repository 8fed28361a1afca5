import { expect, test } from '@playwright/test';
import { MNIST_MLIR, V4, V8, expectModelReady, fileFromPath, openViaInput, quantize } from './helpers';

// Design check at 1280×800 in both themes. Screenshots go to test-results/screens/ (for people, not diffed).

for (const theme of ['light', 'dark'] as const) {
  test(`landing page [${theme}]`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/');
    await expect(page.getByTestId('drop-zone')).toBeVisible();
    await page.screenshot({ path: `test-results/screens/landing-${theme}.png` });
  });

  test(`workspace after quantizing [${theme}] (needs the worker API)`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto('/');
    await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
    await expectModelReady(page, 'model.onnx');
    await page.screenshot({ path: `test-results/screens/model-${theme}.png` });
    await quantize(page, ['8-bit', '4-bit']);
    await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
    await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
    await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
    await expect(page.getByTestId('plot-histogram')).toHaveAttribute('data-status', 'ready');
    await page.screenshot({ path: `test-results/screens/quantized-${theme}.png` });
    // Plots draw when near the screen: bring each one in before the full-page shot.
    for (const id of [
      'plot-layer-error',
      'plot-error-curve',
      'plot-size-quality',
      'plot-compare-layer-error-b',
    ]) {
      await page.getByTestId(id).scrollIntoViewIfNeeded();
      await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'ready');
    }
    // Off-screen panels skip rendering (content-visibility: auto); a full-page shot must render them all.
    await page.addStyleTag({ content: '.content .panel { content-visibility: visible; }' });
    await page.screenshot({ path: `test-results/screens/quantized-full-${theme}.png`, fullPage: true });
  });
}
