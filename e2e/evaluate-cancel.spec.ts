import { expect, test } from '@playwright/test';
import { V8, evaluate, expectSamplesReady } from './helpers';
import { openChainWithNoise } from './noise-chain';

// A model slow enough to cancel mid-run (6 MatMuls of 512×512, batch fixed at 1) and a set without labels
// (inputs.npy only, in a folder picked with the directory picker): fidelity only, then cancel and evaluate again.
test.describe.configure({ timeout: 150_000 });

const WIDTH = 512;
const SAMPLES = 1500;

test('no labels: fidelity only; cancel during an evaluation keeps the app consistent, and evaluating again works', async ({
  page,
}) => {
  await openChainWithNoise(page, { width: WIDTH, samples: SAMPLES, seed: 7 });
  await expect(page.getByTestId('samples-unlabeled')).toBeVisible();
  await expect(page.getByTestId('sample-summary')).toContainText('noise/');

  await evaluate(page, 90_000);
  const results = page.getByTestId('eval-results');
  await expect(results).toHaveAttribute('data-status', 'unlabeled');
  await expect(page.getByTestId('fidelity-only')).toBeVisible();
  await expect(page.getByTestId('eval-row-float').getByTestId('eval-top1')).toHaveCount(0);
  const agreement = page.getByTestId(`eval-row-${V8}`).getByTestId('eval-agreement');
  expect(Number(await agreement.getAttribute('data-value'))).toBeGreaterThan(0.9);
  await expect(page.getByTestId('eval-confusion')).toHaveCount(0); // no labels, no confusion matrix
  await expect(page.getByTestId(`variant-accuracy-${V8}`)).toContainText('agreement');
  const first = await page.getByTestId('eval-run').getAttribute('data-result');

  // Both modes (longer), cancelled while the worker runs it.
  await page.getByTestId('eval-mode').getByRole('radio', { name: 'both' }).check();
  await page.getByTestId('evaluate-button').click();
  const bar = page.getByTestId('eval-run');
  await expect(bar).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('eval-progress')).toHaveAttribute('aria-valuenow', /^[1-9]\d*$/);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(bar).toHaveAttribute('data-status', 'idle');
  await expect(page.getByRole('alert')).toHaveCount(0); // a cancel is not an error
  await expect(bar).toHaveAttribute('data-result', first ?? '');
  await expect(page.getByTestId(`eval-row-${V8}`)).toBeVisible();
  await expectSamplesReady(page, SAMPLES);

  // The fresh worker is given the samples again: the preview and a new evaluation work.
  await page.getByTestId('eval-mode').getByRole('radio', { name: 'exact weight-only' }).check();
  await evaluate(page, 90_000);
  await expect(bar).not.toHaveAttribute('data-result', first ?? '');
  await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
});
