import { expect, test } from '@playwright/test';
import { bigChainModel } from './fixtures/onnx-builder';
import { expectModelReady, openViaInput, quantize } from './helpers';

// What this guards: no freeze of the page while a long quantization runs in the worker. The goal of issue 10 (no
// task over 50 ms) is not met yet: 545 and 558 ms were measured in two full-suite runs (under 300 ms when run
// alone; which render or draw it is has not been profiled), so the bound is a freeze, not the goal.
const QUANTIZE_FREEZE_MS = 1000;

// Needs the worker API. PerformanceObserver('longtask') on the main thread while the worker quantizes.
// Playwright's trace snapshots run in the page and would show up as long tasks themselves: no trace here.
test.use({ trace: 'off' });
test.describe.configure({ timeout: 180_000 });

const BIG = bigChainModel();

test('the main thread stays responsive while the worker quantizes', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: BIG }]);
  await expectModelReady(page, 'big-chain.onnx');
  // Let the first plots (and plotly itself) load before measuring.
  for (const id of ['plot-error-curve', 'plot-histogram', 'plot-channel-ranges']) {
    await page.getByTestId(id).scrollIntoViewIfNeeded();
    await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'ready');
  }
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__longTasks.push(e.duration);
    }).observe({ type: 'longtask', buffered: false });
  });
  await quantize(page, ['8-bit', '4-bit']);
  const batch = page.getByTestId('quantize-batch');
  await expect(batch).toHaveAttribute('data-status', 'running');
  // While it runs, the page answers input: the histogram scale toggle flips at once.
  await page.getByRole('radio', { name: 'Log' }).check();
  await expect(page.getByRole('radio', { name: 'Log' })).toBeChecked();
  await expect(batch).toHaveAttribute('data-status', 'idle', { timeout: 120_000 });
  const longTasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
  test
    .info()
    .annotations.push({ type: 'long tasks (ms)', description: JSON.stringify(longTasks.map(Math.round)) });
  expect(Math.max(0, ...longTasks)).toBeLessThan(QUANTIZE_FREEZE_MS);
});
