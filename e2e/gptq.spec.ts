import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { wasmRunner } from '../src/cli/calibration';
import { parseModel } from '../src/core/onnx';
import { foldWeightInputs } from '../src/core/onnx/fold';
import { calibrateOnSet } from '../src/core/pipeline/calibrate';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { detectSampleSet, inferPreprocessOptions } from '../src/core/samples';
import { V8, evaluate, expectSamplesReady, openDemo, quantize, rowTop1 } from './helpers';

// Data-aware rounding in the studio: the demo model and its digits, GPTQ 4-bit with activations captured in the
// evaluate worker (onnxruntime-web), solved in the quantize worker; then cancel during a capture.
test.describe.configure({ timeout: 180_000 });

const GPTQ4 = 'w4-sym-channel-gptq';

/** Record every text the quantize bar's stage line shows (a capture can be shorter than a poll). */
async function recordStages(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __stages: string[] };
    w.__stages = [];
    new MutationObserver(() => {
      const t = document.querySelector('[data-testid="quantize-stage"]')?.textContent;
      if (t && w.__stages.at(-1) !== t) w.__stages.push(t);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}
const stages = (page: Page) => page.evaluate(() => (window as unknown as { __stages: string[] }).__stages);

async function demoWithDigits(page: Page): Promise<void> {
  await openDemo(page);
  // No samples: the data-aware methods are disabled and the panel says why.
  await expect(page.getByTestId('rounding-method').getByRole('radio', { name: 'GPTQ' })).toBeDisabled();
  await expect(page.getByTestId('calibration-note')).toContainText('need calibration samples');
  // An 8-bit variant first (as in sensitivity.spec: the demo digits right after the model opened were seen to stay
  // 'loading' on a busy machine).
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
}

/** The bytes the CLI's core path writes for GPTQ 4-bit on the first 128 demo digits (0..255, as the studio). */
async function cliBytes(): Promise<Uint8Array> {
  const model = (
    await foldWeightInputs(
      parseModel(new Uint8Array(readFileSync('public/demo/mnist-8.onnx')), 'mnist-8.onnx'),
    )
  ).model;
  const zip = new Uint8Array(readFileSync('public/demo/mnist-samples.zip'));
  const set = await detectSampleSet([{ path: 'mnist-samples.zip', bytes: async () => zip }]);
  const config = normalizeConfig({ bits: 4, granularity: 'channel', method: 'gptq' });
  const preprocess = { ...inferPreprocessOptions([1, 1, 28, 28]), range: '0..255' as const };
  const cal = await calibrateOnSet(model, config, set, 128, wasmRunner, { preprocess });
  return (await runQuantization(model, config, 'cli', {}, {}, cal.calibration)).bytes;
}

test('demo model + digits: GPTQ 4-bit with visible capture progress; the variant evaluates and downloads the CLI bytes', async ({
  page,
}) => {
  await demoWithDigits(page);
  await page.getByTestId('rounding-method').getByRole('radio', { name: 'GPTQ' }).check();
  await expect(page.getByTestId('calibration-note')).toContainText(
    'Calibrates on the first 128 of 300 samples of mnist-samples.zip',
  );
  // Held out by default (300 ≥ 2 × 128): evaluation reads the other 172.
  await expect(page.getByTestId('calibration-note')).toContainText(
    'Evaluation uses the other 172 (held out)',
  );
  await expect(page.getByTestId('eval-split-note')).toHaveText(
    'Next run: evaluated on samples 129–300 (172); calibration uses 1–128.',
  );

  await recordStages(page);
  await quantize(page, ['4-bit']);
  const variant = page.getByTestId(`variant-${GPTQ4}`);
  await expect(variant).toHaveAttribute('data-status', 'done', { timeout: 120_000 });
  await expect(variant).toContainText('GPTQ');
  await expect(page.getByTestId(`variant-calibration-${GPTQ4}`)).toContainText(
    'Calibrated on 128 of 300 samples from mnist-samples.zip',
  );
  // What each layer got, never "GPTQ" for a layer that fell back: the demo's three weights (2 Conv, 1 MatMul) all do.
  await expect(page.getByTestId(`variant-rounding-${GPTQ4}`)).toHaveText('GPTQ on 3 of 3 layers');
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  const seen = await stages(page);
  expect(
    seen.some((t) => /^Calibration: \d+\/128 samples/.test(t)),
    seen.join(' | '),
  ).toBe(true);
  expect(
    seen.some((t) => t.startsWith('4-bit')),
    seen.join(' | '),
  ).toBe(true); // the solve's progress

  await evaluate(page, 120_000);
  const float = await rowTop1(page, 'float');
  const gptq = await rowTop1(page, GPTQ4);
  expect(gptq.value).toBeGreaterThan(0.9);
  expect(float.value - gptq.value).toBeLessThanOrEqual(0.05);
  // Evaluated on the samples calibration never saw, and every view says so.
  const label = 'evaluated on samples 129–300 (172); calibration uses 1–128';
  await expect(page.getByTestId('eval-results')).toContainText('172 samples from mnist-samples.zip');
  await expect(page.getByTestId('eval-samples-label')).toHaveText(`E${label.slice(1)}.`);
  await expect(page.getByTestId('variants-eval-samples')).toHaveText(`Acc.: ${label}.`);
  await expect(page.getByTestId(`variant-accuracy-${GPTQ4}`)).toHaveAttribute(
    'title',
    new RegExp(label.replace(/[()]/g, '\\$&')),
  );
  await expect(page.getByRole('region', { name: 'Changed predictions' })).toContainText(label);
  await expect(page.getByTestId('eval-confusion')).toContainText(label);
  const heat = page.getByTestId('plot-confusion');
  await heat.scrollIntoViewIfNeeded();
  await expect(heat).toHaveAttribute('data-status', 'ready');
  const counted = await heat.evaluate((el) => {
    const t = (el as HTMLElement & { data: { text: string[][] }[] }).data[0];
    return t.text.flat().reduce((a, c) => a + Number(c || 0), 0);
  });
  expect(counted).toBe(172);
  for (const i of await page.getByTestId('flip-card').evaluateAll((els) => els.map((e) => e.dataset.index)))
    expect(Number(i)).toBeGreaterThanOrEqual(128);

  const wait = page.waitForEvent('download');
  await page.getByTestId(`download-${GPTQ4}`).getByRole('button').click();
  const download = await wait;
  expect(download.suggestedFilename()).toBe('mnist-8_w4_channel_gptq.onnx');
  const path = test.info().outputPath('gptq.onnx');
  await download.saveAs(path);
  expect(Buffer.from(readFileSync(path)).equals(Buffer.from(await cliBytes()))).toBe(true);
});

test('cancel during the capture: no variant, the page stays usable, and GPTQ then runs in the fresh worker', async ({
  page,
}) => {
  await demoWithDigits(page);
  await page.getByTestId('rounding-method').getByRole('radio', { name: 'AdaRound' }).check();
  await page.getByLabel('Calibration samples').fill('300');
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('quantize-stage')).toContainText(/Calibration: \d+\/300 samples/);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.locator('[data-testid^="variant-w4-sym-channel-adaround"]')).toHaveCount(0);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');

  // Usable: GPTQ on 64 samples captures in the restarted evaluate worker and finishes; evaluation still runs.
  await page.getByTestId('rounding-method').getByRole('radio', { name: 'GPTQ' }).check();
  await page.getByLabel('Calibration samples').fill('64');
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId(`variant-${GPTQ4}`)).toHaveAttribute('data-status', 'done', {
    timeout: 120_000,
  });
  await evaluate(page, 120_000);
  expect((await rowTop1(page, GPTQ4)).value).toBeGreaterThan(0.9);
});
