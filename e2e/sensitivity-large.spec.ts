import { expect, test } from '@playwright/test';
import { blockChain, seeded } from './fixtures/block-chain';
import { expectModelReady, openViaInput } from './helpers';

// A large model asks before measuring: the estimated time of all layers, one model per block, or a sample of 16.
// 200 MatMul layers of 128×128 in blocks of 4 (node paths /layers.N/…): the rough guess from the weight count is
// well above the 60 s that asks first, while measuring a sample of 16 layers on the synthetic probe is quick.
test.describe.configure({ timeout: 150_000 });

const LAYERS = 200;
const D = 128;
const rand = seeded(7);
const large = blockChain(LAYERS, D, rand);

test('a long measurement asks first and runs the sample the user picks', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'large.onnx', bytes: large }]);
  await expectModelReady(page, 'large.onnx');
  await page.getByTestId('sensitivity-button').click();
  const confirm = page.getByTestId('sensitivity-confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(
    `Measuring all ${LAYERS} layers on the synthetic probe (8 made-up inputs) runs ${LAYERS + 1} models, about`,
  );
  await expect(confirm).toContainText('a rough guess from the weight count');
  await expect(page.getByTestId('sensitivity-confirm-block')).toContainText('By block: 50 blocks');
  await expect(page.getByTestId('sensitivity-run')).toHaveAttribute('data-status', 'idle'); // nothing runs yet

  await page.getByTestId('sensitivity-confirm-sample').click();
  await expect(confirm).toBeHidden();
  const result = page.getByTestId('sensitivity-result');
  await expect(result).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('sensitivity-row')).toHaveCount(16);
  await expect(page.getByTestId('sensitivity-notes')).toContainText(
    `a sample of 16 of ${LAYERS} layers, spread evenly over the graph`,
  );
});
