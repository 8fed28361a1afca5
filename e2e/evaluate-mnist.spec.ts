import { expect, test, type Page } from '@playwright/test';
import {
  MNIST_8,
  MNIST_PNG_DIR,
  V4,
  V8,
  dropSamples,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  folderFiles,
  openViaInput,
  plotTraces,
  quantize,
  evaluateWholeSet,
  rowTop1,
} from './helpers';

// mnist-8 (batch fixed at 1, raw 0..255 input) on its 1,000-image PNG folder (class folders + labels.csv +
// classes.txt). Expected numbers: test/data/README.md "Reference quantization": 98.7 / 98.7 / 98.6 %.
test.describe.configure({ timeout: 150_000 });

async function modelWithVariants(page: Page) {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_8)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
}

/** Design check at 1280×800 in both themes (for people, not diffed): test-results/screens/eval-*.png. */
async function screenshots(page: Page, name: string) {
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    for (const id of [
      'variants',
      'evaluation',
      'eval-results',
      'eval-flips',
      'eval-confusion',
      'size-quality',
    ]) {
      await page.locator(`#${id}`).evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await page.evaluate(() => window.scrollBy(0, -72)); // below the sticky header
      for (const plot of await page.locator(`#${id} .plot-canvas`).all()) {
        await expect(plot).toHaveAttribute('data-status', 'ready');
      }
      await page.screenshot({
        path: `test-results/screens/eval-${name}-${id}-${theme}.png`,
        animations: 'disabled',
      });
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Preprocessing starts inferred from [1,1,28,28] (gray, 0..1); mnist-8 wants raw 0..255. */
async function setRaw255(page: Page) {
  const preview = page.getByTestId('preview');
  await expect(page.getByTestId('preprocess')).toHaveAttribute('data-source', 'inferred');
  await expect(preview).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('fit-ok')).toContainText('batch fixed at 1');
  await expect(preview.getByTestId('preview-sample').first()).toHaveAttribute('data-max', '1');
  await page.getByTestId('pre-range').getByRole('radio', { name: '0..255' }).check();
  await expect(page.getByTestId('preprocess')).toHaveAttribute('data-source', 'edited');
  await expect(preview).toHaveAttribute('data-status', 'ready');
  await expect(preview.getByTestId('preview-sample').first()).toHaveAttribute('data-max', '255');
  await expect(preview.getByTestId('preview-sample')).toHaveCount(8);
}

test('mnist-8 on a dropped PNG folder: float / int8 / int4 = 98.7 / 98.7 / 98.6 %, flips, confusion', async ({
  page,
}) => {
  await modelWithVariants(page);
  await page.locator('#variants').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: 'test-results/screens/eval-empty-light.png', animations: 'disabled' });
  // A real folder drop: one directory entry, walked recursively (10 class folders, labels.csv, classes.txt).
  await dropSamples(page, folderFiles(MNIST_PNG_DIR, 'png'), 'entries');
  await expectSamplesReady(page, 1000);
  await expect(page.getByTestId('sample-summary')).toContainText('png/');
  await setRaw255(page);

  await evaluateWholeSet(page); // the published numbers are on all 1,000
  await evaluate(page);
  const float = await rowTop1(page, 'float');
  const int8 = await rowTop1(page, V8);
  const int4 = await rowTop1(page, V4);
  expect([float.value, int8.value, int4.value]).toEqual([0.987, 0.987, 0.986]);
  expect([float.text, int8.text, int4.text]).toEqual(['98.7%', '98.7%', '98.6%']);
  await expect(page.getByTestId(`eval-row-${V4}`).getByTestId('eval-flips')).toHaveAttribute(
    'data-value',
    '7',
  );
  await expect(page.getByTestId('eval-results')).toContainText('1,000 samples from png/');

  // Accuracy joins the variants table and the size-vs-quality scatter.
  await expect(page.getByTestId(`variant-accuracy-${V8}`)).toHaveAttribute('data-value', '0.987');
  await expect(page.getByTestId(`variant-accuracy-${V4}`)).toContainText('98.6%');
  const scatter = (await plotTraces(page, 'plot-size-quality')).filter((t) => t.name !== 'Pareto front');
  expect(scatter.map((t) => t.y[0])).toEqual([98.7, 98.7, 98.6]);

  // The flips gallery opens on int4 (the variant that changed the most predictions), with the images.
  const flips = page.getByTestId('eval-flips');
  await expect(page.getByTestId('flips-variant')).toHaveValue(V4);
  await expect(page.getByTestId('flips-summary')).toHaveAttribute('data-total', '7');
  await expect(flips.getByTestId('flip-card')).toHaveCount(7);
  await expect(flips.getByTestId('flip-card').first().locator('canvas.thumb')).toBeVisible();
  await expect(flips.getByTestId('flip-card').first()).toHaveAttribute('data-kind', 'broken');
  await page.getByTestId('flips-variant').selectOption(V8);
  await expect(page.getByTestId('flips-summary')).toHaveAttribute('data-total', '0');

  // Confusion matrix of the chosen variant: 10×10, every sample counted once.
  await page.getByTestId('confusion-model').selectOption(`${V4}|exact`);
  const heat = page.getByTestId('plot-confusion');
  await heat.scrollIntoViewIfNeeded();
  await expect(heat).toHaveAttribute('data-status', 'ready');
  const counts = await heat.evaluate((el) => {
    const t = (el as HTMLElement & { data: { text: string[][] }[] }).data[0];
    return t.text.flat().reduce((a, c) => a + Number(c || 0), 0);
  });
  expect(counts).toBe(1000);
  expect((await plotTraces(page, 'plot-per-class')).map((t) => t.x.length)).toEqual([10, 10]);

  // Both modes: onnxruntime's defaults rewrite DequantizeLinear→MatMul (int8 activations), so "as deployed"
  // differs from "exact weight-only"; both rows are shown with the reason. Exact numbers are unchanged.
  await page.getByTestId('eval-mode').getByRole('radio', { name: 'both' }).check();
  await evaluate(page);
  await expect(page.getByTestId(`eval-row-${V4}-deployed`)).toHaveAttribute('data-mode', 'deployed');
  await expect(page.getByTestId(`eval-row-${V4}`)).toHaveAttribute('data-mode', 'exact');
  await expect(page.getByTestId('mode-difference')).toContainText('rewrites DequantizeLinear→MatMul');
  expect((await rowTop1(page, V4)).value).toBe(0.986);
  const deployed = Number(
    await page.getByTestId(`eval-row-${V4}-deployed`).getByTestId('eval-top1').getAttribute('data-value'),
  );
  expect(Math.abs(deployed - 0.986)).toBeLessThanOrEqual(0.003);

  await screenshots(page, 'mnist');

  // The preprocessing was saved for this model: a reload keeps it.
  await page.reload();
  await openViaInput(page, [fileFromPath(MNIST_8)]);
  await expectModelReady(page, 'model.onnx');
  await dropSamples(page, folderFiles(MNIST_PNG_DIR, 'png'), 'entries');
  await expectSamplesReady(page, 1000);
  await expect(page.getByTestId('preprocess')).toHaveAttribute('data-source', 'preset');
  await expect(page.getByTestId('preview').getByTestId('preview-sample').first()).toHaveAttribute(
    'data-max',
    '255',
  );
});
