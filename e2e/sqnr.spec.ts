import { expect, test } from '@playwright/test';
import {
  MNIST_MLIR,
  V4,
  V8,
  expectModelReady,
  fileFromPath,
  openViaInput,
  plotTraces,
  quantize,
} from './helpers';

// Needs the worker API. One SQNR per variant, the same figure in the sidebar, the table and both plots, and the
// same definition on hover wherever the term appears.
test('one weight SQNR per variant, named with its definition everywhere', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');

  const scatter = (await plotTraces(page, 'plot-size-quality')).filter((t) => t.name !== 'Pareto front');
  const curve = await plotTraces(page, 'plot-error-curve');
  const whole = curve.find((t) => t.name === 'whole model');
  for (const [id, bits] of [
    [V8, '8-bit'],
    [V4, '4-bit'],
  ] as const) {
    const side = page.getByTestId(`variant-list-sqnr-${id}`);
    const table = page.getByTestId(`variant-sqnr-${id}`);
    const value = Number(await table.getAttribute('data-value'));
    expect(value).toBeGreaterThan(0);
    await expect(side).toHaveAttribute('data-value', String(value));
    await expect(side).toHaveText(`${value.toFixed(1)} dB`);
    await expect(table).toHaveText(`${value.toFixed(1)} dB`);
    const point = scatter.find((t) => t.name.startsWith(bits));
    expect(point?.y[0]).toBeCloseTo(value, 6);
    expect(whole?.y[(whole?.x as string[]).indexOf(bits)] as number).toBeCloseTo(value, 6);
  }

  const titles = new Set(
    await page
      .locator('[data-testid=sqnr-term], [data-testid^=variant-sqnr-], [data-testid^=variant-list-sqnr-]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('title'))),
  );
  expect(titles.size).toBe(1);
  expect([...titles][0]).toMatch(
    /^Weight SQNR = 10·log10\(Σ w² \/ Σ \(w − ŵ\)²\) over every quantized weight/,
  );
  await expect(page.getByTestId('sqnr-term')).toHaveCount(4); // table head, size-quality, per-layer, error curve
});
