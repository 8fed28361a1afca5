import { expect, test } from '@playwright/test';
import { openViaInput, plotTraces, quantize } from './helpers';
import { matMulChain } from './fixtures/onnx-builder';

// Names from a model are data: HTML in tensor, node, input/output and graph names, doc strings and the file name
// shows as those characters in tables, plots (plotly renders some HTML: we escape) and the download name.
const EVIL = '<img src=x onerror="window.__xss=1">';

test('a model with HTML in its names renders them as text and runs no script', async ({ page }) => {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto('/');
  const { model } = matMulChain({ layers: 2, width: 16, prefix: EVIL });
  await openViaInput(page, [{ name: `${EVIL}.onnx`, bytes: model }]);
  const summary = page.getByTestId('model-summary');
  await expect(summary).toHaveAttribute('data-status', 'ready');
  await expect(summary.getByRole('heading', { level: 2 })).toHaveText(`${EVIL}.onnx`);
  await expect(page.getByText(`${EVIL}W0`, { exact: true }).first()).toBeVisible(); // weights table, as text

  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-w4-sym-channel')).toHaveAttribute('data-status', 'done');
  // plotly gets escaped names; what it draws is the literal text, so the `<img …>` characters are on screen
  const traces = await plotTraces(page, 'plot-layer-error');
  expect(JSON.stringify(traces)).toContain('&lt;img src=x');
  // the layer names appear in the hover: point at the first layer's marker and read what plotly drew
  const plot = page.getByTestId('plot-layer-error');
  await plot.locator('.point').first().hover({ force: true, timeout: 10_000 });
  await expect(plot.locator('.hoverlayer')).toContainText(`${EVIL}W0`);

  const wait = page.waitForEvent('download');
  await page.getByTestId('download-w4-sym-channel').getByRole('button').click();
  expect((await wait).suggestedFilename()).toMatch(/^[\w.-]+\.onnx$/);

  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
  expect(dialogs).toEqual([]);
});
