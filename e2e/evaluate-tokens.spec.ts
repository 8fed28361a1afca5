import { expect, test, type Page } from '@playwright/test';
import { tokenModel, tokenSampleFiles, tokenSamples } from '../test/fixtures/token-model';
import {
  V4,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  openViaInput,
  quantize,
  rowTop1,
} from './helpers';

// A tiny transformer-like token classifier (int64 input_ids + attention_mask; outputs logits and a `hidden` map),
// with labels derived from an independent float64 pass so the float model scores exactly 80 % (see the fixture).
test.describe.configure({ timeout: 120_000 });

const files = tokenSampleFiles();
const expected = tokenSamples().agreeing / tokenSamples().count; // 0.8

async function pick(page: Page, list: { name: string; bytes: Uint8Array }[]) {
  await page
    .getByTestId('samples-file-input')
    .setInputFiles(
      list.map((f) => ({ name: f.name, mimeType: 'application/octet-stream', buffer: Buffer.from(f.bytes) })),
    );
}

async function openTokenModel(page: Page) {
  await page.goto('/');
  await openViaInput(page, [{ name: 'tokens.onnx', bytes: tokenModel() }]);
  await expectModelReady(page, 'tokens.onnx');
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
}

test('int64 token model: accuracy from .npy files and from .npz, per-output fidelity of the map output', async ({
  page,
}) => {
  await openTokenModel(page);

  await pick(page, [
    { name: 'input_ids.npy', bytes: files.inputIds },
    { name: 'attention_mask.npy', bytes: files.attentionMask },
    { name: 'labels.npy', bytes: files.labels },
  ]);
  await expectSamplesReady(page, 40);
  await expect(page.getByTestId('sample-summary')).toContainText(
    'input arrays input_ids.npy + attention_mask.npy',
  );
  await evaluate(page);
  expect(await rowTop1(page, 'float')).toEqual({ value: expected, text: '80.0%' });
  const sqnr = page.getByTestId(`fidelity-${V4}-hidden`).getByTestId('fidelity-sqnr');
  await expect(sqnr).toBeVisible();
  expect(Number(await sqnr.getAttribute('data-value'))).toBeGreaterThan(5);
  await expect(page.getByTestId('output-fidelity')).toContainText('hidden [32 × 8 × 16] (map)');

  await pick(page, [{ name: 'samples.npz', bytes: files.npz }]);
  await expectSamplesReady(page, 40);
  await evaluate(page);
  expect(await rowTop1(page, 'float')).toEqual({ value: expected, text: '80.0%' });
  await expect(page.getByTestId('synthetic-label')).toHaveCount(0);
});

test('no samples: the synthetic probe gives every variant output fidelity, labelled synthetic', async ({
  page,
}) => {
  await openTokenModel(page);
  const bar = page.getByTestId('eval-run');
  const before = await bar.getAttribute('data-result');
  await page.getByTestId('probe-button').click();
  await expect(page.getByTestId('eval-results')).toBeVisible();
  await expect(bar).toHaveAttribute('data-status', 'idle');
  expect(before).not.toBe(null);
  await expect(page.getByTestId('synthetic-label')).toContainText('Synthetic probe: 8 made-up inputs');
  await expect(page.getByTestId('eval-results')).toContainText('Output fidelity — synthetic probe');
  await expect(page.getByTestId('output-fidelity')).toHaveAttribute('data-synthetic', 'true');
  const cosine = page.getByTestId(`fidelity-${V4}-logits`).getByTestId('fidelity-cosine');
  expect(Number(await cosine.getAttribute('data-value'))).toBeGreaterThan(0.9);
  await expect(page.getByTestId('eval-results')).toContainText('token ids uniform in 0..49');
});
