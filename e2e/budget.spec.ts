import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import { expectModelReady, fileFromPath, openViaInput, plotTraces, quantize } from './helpers';

const MLP = join(REPO_ROOT, 'test/fixtures/models/mlp/model.onnx');

test('a budget in average bits makes a mixed-precision variant whose recipe lists every layer', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MLP)]);
  await expectModelReady(page, 'model.onnx');
  const budget = page.getByTestId('budget');
  await expect(budget.getByLabel('Average bits per weight')).toHaveValue('4.5');
  await budget.getByRole('button', { name: 'Quantize to budget' }).click();

  const row = page.locator('[data-testid^="variant-mix4.5b-sym-channel-o"]');
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(row.locator('.variant-name')).toHaveText('mixed 4.5 b · sym · per-channel');
  // The weight-error proxy keeps every layer at ≥ 4 bits and spends the rest where the error falls most
  // (the same assignment as `qstudio quantize --target-bits 4.5`, docs/ranges.md).
  const recipe = row.getByTestId(/^variant-recipe-/);
  await recipe.locator('summary').click();
  await expect(recipe.locator('summary')).toContainText('4.43 b average');
  await expect(row.getByTestId(/^variant-budget-/)).toHaveText(
    'Budget 4.5 b/weight average · weight-error proxy (no data); not refined',
  );
  await expect(recipe.locator('li')).toHaveText([
    'net.2.weight: 4-bit',
    'net.4.weight: 6-bit',
    'net.6.weight: float',
  ]);
  const download = page.waitForEvent('download');
  await recipe.getByRole('button', { name: 'Download recipe (JSON)' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('model_mix4.5b_channel.recipe.json');
  const json = JSON.parse(readFileSync(await file.path(), 'utf8'));
  expect(json.mixed).toEqual({ targetBits: 4.5, proxy: 'weight-error' });
  expect(json.layers).toEqual({
    'net.2.weight': { bits: 4 },
    'net.4.weight': { bits: 6 },
    'net.6.weight': { skip: true },
  });
});

test('a file-size budget is met by the exported file; an impossible one says why', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MLP)]);
  await expectModelReady(page, 'model.onnx');
  const budget = page.getByTestId('budget');
  await budget.getByRole('radio', { name: 'File size' }).check();
  const size = budget.getByLabel('File size in MB');
  await size.fill('0.2');
  await budget.getByRole('button', { name: 'Quantize to budget' }).click();
  const row = page.locator('[data-testid^="variant-mix200000B-sym-channel-o"]');
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(row.locator('.variant-name')).toHaveText('mixed ≤ 200 kB · sym · per-channel');
  const bytes = Number(await row.getAttribute('data-file-bytes'));
  expect(bytes).toBeLessThanOrEqual(200_000);
  // Uniform 4-bit stores about 120 kB of weights: the budget buys upgrades (the next, net.2.weight at 5 bits,
  // would need 100 kB more and does not fit).
  expect(bytes).toBeGreaterThan(130_000);

  await size.fill('0.01');
  await budget.getByRole('button', { name: 'Quantize to budget' }).click();
  await expect(page.getByTestId('budget-error')).toContainText('No assignment for this budget');
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.locator('[data-testid^="variant-mix10000B"]')).toHaveCount(0);
});

test('the size-vs-quality plot draws the Pareto front through the variants no other beats', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MLP)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit', '2-bit']);
  for (const id of ['w8-sym-channel', 'w4-sym-channel', 'w2-sym-channel'])
    await expect(page.getByTestId(`variant-${id}`)).toHaveAttribute('data-status', 'done', {
      timeout: 60_000,
    });
  await page.getByTestId('budget').getByRole('button', { name: 'Quantize to budget' }).click();
  await expect(page.locator('[data-testid^="variant-mix4.5b"]')).toHaveAttribute('data-status', 'done', {
    timeout: 60_000,
  });
  const traces = await plotTraces(page, 'plot-size-quality');
  const front = traces.find((t) => t.name === 'Pareto front');
  expect(front).toBeDefined();
  const points = traces.filter((t) => t.name !== 'Pareto front');
  expect(points).toHaveLength(4);
  // Weight SQNR rises with size here, so every variant is on the front, smallest first.
  expect(front!.meta?.members).toEqual([
    '2-bit · channel',
    '4-bit · channel',
    'mixed 4.5 b · channel',
    '8-bit · channel',
  ]);
  const xs = front!.x as number[];
  expect([...xs].sort((a, b) => a - b)).toEqual(xs);
});
