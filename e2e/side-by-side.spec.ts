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

test('side by side, layer by layer: B − A weight SQNR per layer, largest loss first; a layer opens in the plots', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '2-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  const table = page.getByTestId('layer-deltas');
  await table.scrollIntoViewIfNeeded();
  const rows = await table.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      layer: tr.getAttribute('data-layer')!,
      delta: Number(tr.getAttribute('data-delta')),
    })),
  );
  expect(rows.map((r) => r.layer).sort()).toEqual(['fc1.weight', 'fc2.weight']);
  expect(rows.every((r) => r.delta < -20)).toBe(true); // 2-bit against 8-bit: ~36 dB less (6 dB per bit)
  expect(rows[0].delta).toBeLessThanOrEqual(rows[1].delta);
  // The first weight is selected on load: a click on the other layer's name selects that one.
  const other = rows.find((r) => r.layer !== 'fc1.weight')!.layer;
  await expect(page.locator('[data-testid=weight-row][data-weight="fc1.weight"]')).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await table.getByRole('button', { name: other }).click();
  await expect(page.locator(`[data-testid=weight-row][data-weight="${other}"]`)).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await expect(table.locator(`tr[data-layer="${other}"]`)).toHaveClass(/is-selected/);
});
