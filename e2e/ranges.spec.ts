import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import { expectModelReady, fileFromPath, openViaInput, plotTraces, quantize } from './helpers';

const DWCNN = join(REPO_ROOT, 'test/fixtures/models/dwcnn/model.onnx');

test('MSE clipping and equalization from the config panel make their own variant, named for them', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(DWCNN)]);
  await expectModelReady(page, 'model.onnx');
  const percentile = page.getByLabel('Clip percentile');
  await expect(percentile).toBeDisabled();
  await page.getByRole('group', { name: 'Clip range' }).getByRole('radio', { name: 'MSE' }).check();
  await page.getByLabel('Cross-layer equalization').check();
  await quantize(page, ['4-bit']);
  const row = page.getByTestId('variant-w4-sym-channel-mse-cle');
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(row).toContainText('MSE clip · CLE');
});

test('MSE clip shows its bounds on the histogram and an MSE-vs-clip curve with the chosen point; min/max does not', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(DWCNN)]);
  await expectModelReady(page, 'model.onnx');
  // Min/max first: the histogram gets its overlay, but no clip lines and no curve.
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-w4-sym-channel')).toHaveAttribute('data-status', 'done', {
    timeout: 60_000,
  });
  await expect
    .poll(async () => (await plotTraces(page, 'plot-histogram')).some((t) => t.meta?.kind === 'quantized'))
    .toBe(true);
  expect((await plotTraces(page, 'plot-histogram')).filter((t) => t.meta?.kind === 'clip')).toEqual([]);
  await expect(page.getByTestId('plot-clip-curve')).toHaveCount(0);

  await page.getByRole('group', { name: 'Clip range' }).getByRole('radio', { name: 'MSE' }).check();
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-w4-sym-channel-mse')).toHaveAttribute('data-status', 'done', {
    timeout: 60_000,
  });
  await expect
    .poll(
      async () => (await plotTraces(page, 'plot-histogram')).filter((t) => t.meta?.kind === 'clip').length,
    )
    .toBe(1); // only the MSE variant clips
  const hist = await plotTraces(page, 'plot-histogram');
  const clip = hist.find((t) => t.meta?.kind === 'clip')!;
  const float = hist.find((t) => t.meta?.kind === 'float')!;
  const [lo, , , hi] = clip.x as number[];
  expect(lo).toBeLessThan(0);
  expect(hi).toBeGreaterThan(0);
  // Inside the float values' span: clipping only narrows the range.
  const xs = float.x as number[];
  expect(hi).toBeLessThanOrEqual(xs[xs.length - 1] + (xs[1] - xs[0]));
  expect(clip.name).toMatch(/MSE clip, widest of \d+ groups/); // per-channel: the band over channels
  expect(hist.some((t) => t.meta?.kind === 'clip-inner')).toBe(true);

  const curve = await plotTraces(page, 'plot-clip-curve');
  const chosen = curve.filter((t) => t.meta?.kind === 'clip-chosen');
  expect(chosen).toHaveLength(1);
  const line = curve.find((t) => t.meta?.kind === 'clip-curve')!;
  expect(line.x.at(-1)).toBe(1);
  // Each channel chooses its own clip: never worse than the best single ratio for all of them.
  expect(chosen[0].y[0] as number).toBeLessThanOrEqual(Math.min(...(line.y as number[])) * (1 + 1e-9));
  expect(chosen[0].x[0] as number).toBeLessThan(1);
});
