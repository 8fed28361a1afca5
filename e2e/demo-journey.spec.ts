import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import { V4, V8, evaluate, expectSamplesReady, openDemo, quantize, rowTop1 } from './helpers';

// Needs the worker API. A newcomer with no data of their own: demo model, demo samples, the whole journey,
// with every request outside the studio's own origin refused (nothing else is needed).
test.describe.configure({ timeout: 150_000 });

test('demo model + its shipped samples: quantize, compare, evaluate, flips, download', async ({
  page,
  baseURL,
}) => {
  const origin = new URL(baseURL as string).origin;
  const foreign: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    foreign.push(url);
    return route.abort();
  });
  await openDemo(page);
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');

  // One click: 300 labelled digits, with the demo model's raw 0..255 preprocessing.
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  await expect(page.getByTestId('sample-summary')).toContainText('10 classes');
  await expect(page.getByTestId('preview').getByTestId('preview-sample').first()).toHaveAttribute(
    'data-max',
    '255',
  );
  await evaluate(page);
  const float = await rowTop1(page, 'float');
  expect(float.value).toBeGreaterThan(0.95); // 98.7 % on the 1,000 this set is drawn from
  expect((await rowTop1(page, V8)).value).toBeGreaterThan(0.95);
  await expect(page.getByTestId(`variant-accuracy-${V4}`)).toHaveAttribute('data-value', /^0\.\d+/);
  await expect(page.getByTestId('flips-summary')).toHaveAttribute('data-total', /^\d+$/);

  // Download the 4-bit model: onnxruntime loads it.
  const wait = page.waitForEvent('download');
  await page.getByTestId(`download-${V4}`).getByRole('button').click();
  const download = await wait;
  expect(download.suggestedFilename()).toBe('mnist-8_w4_channel.onnx');
  const path = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(path);
  const session = await ort.InferenceSession.create(readFileSync(path));
  expect(session.outputNames).toEqual(['Plus214_Output_0']);
  await session.release();
  expect(foreign).toEqual([]);
});
