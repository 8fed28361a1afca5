import { expect, test } from '@playwright/test';
import { blockChain, seeded } from './fixtures/block-chain';
import { buildNpy } from '../test/fixtures/samples/entries';
import { expectModelReady, expectSamplesReady, openViaInput } from './helpers';

// "Quantize to budget" with a sample set measures every layer at six widths first: on a large model it asks before
// anything starts, with the Sensitivity panel's estimate on the user's calibration count, and the user can plan on
// the weight-error proxy instead, or not now. 200 MatMul layers of 128×128 (as sensitivity-large.spec): the rough
// guess from the weight count is far above the 60 s that asks first; the proxy plan itself is quick.
test.describe.configure({ timeout: 150_000 });

const LAYERS = 200;
const D = 128;
const SAMPLES = 16;
const rand = seeded(11);
const large = blockChain(LAYERS, D, rand);
const inputs = buildNpy(
  '<f4',
  [SAMPLES, D],
  new Uint8Array(Float32Array.from({ length: SAMPLES * D }, rand).buffer),
);

test('a long measurement before the budget plan asks first: not now, or plan on the weight-error proxy', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'large.onnx', bytes: large }]);
  await expectModelReady(page, 'large.onnx');
  await page.getByTestId('samples-file-input').setInputFiles({
    name: 'inputs.npy',
    mimeType: 'application/octet-stream',
    buffer: Buffer.from(inputs),
  });
  await expectSamplesReady(page, SAMPLES);
  const budget = page.getByTestId('budget');
  // Fewer samples than the calibration count (128): all 16 are the calibration part, and the text says so.
  await expect(budget.getByTestId('budget-loss')).toContainText(
    'measured first: each layer alone at 2, 3, 4, 5, 6, 8 bits on the first 16 samples of inputs.npy',
  );
  const go = budget.getByRole('button', { name: 'Quantize to budget' });
  const confirm = page.getByTestId('budget-confirm');
  const batch = page.getByTestId('quantize-batch');
  const mixed = page.locator('[data-testid^="variant-mix4.5b-"]');

  // 1. Asks before anything runs: the estimate (the panel's), on the calibration count; "Not now" leaves nothing.
  await go.click();
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(
    `Quantize to budget first measures each of the ${LAYERS} layers alone at 2, 3, 4, 5, 6, 8 bits on the first ${SAMPLES} samples of inputs.npy: ${(LAYERS + 1) * 6} models, about`,
  );
  await expect(confirm).toContainText('then refines on them');
  await expect(confirm).toContainText('a rough guess from the weight count');
  await expect(page.getByTestId('budget-confirm-measure')).toContainText(/Measure and plan \(about \d/);
  await expect(batch).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId('sensitivity-run')).toHaveAttribute('data-status', 'idle');
  // A new calibration count while it asks: the open dialog's estimate follows it (its answer runs on the new N).
  await page.getByLabel('Samples to measure on (calibration count)').fill('8');
  await expect(confirm).toContainText('at 2, 3, 4, 5, 6, 8 bits on the first 8 samples of inputs.npy');
  await page.getByLabel('Samples to measure on (calibration count)').fill('128');
  await expect(confirm).toContainText(`on the first ${SAMPLES} samples of inputs.npy`);
  await page.getByTestId('budget-confirm-cancel').click();
  await expect(confirm).toBeHidden();
  await expect(mixed).toHaveCount(0);
  await expect(page.getByTestId('budget-progress')).toHaveCount(0);

  // 2. Asked again, the user takes the weight-error proxy: a plan at once, nothing measured.
  await go.click();
  await page.getByTestId('budget-confirm-proxy').click();
  await expect(confirm).toBeHidden();
  await expect(mixed).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(mixed.locator('.variant-name')).toHaveText('mixed 4.5 b · sym · per-channel');
  await expect(mixed.getByTestId(/^variant-loss-/)).toHaveAttribute('data-proxy', 'weight-error');
  await expect(page.getByTestId('sensitivity-result')).toHaveCount(0);
  await expect(batch).toHaveAttribute('data-status', 'idle');
});
