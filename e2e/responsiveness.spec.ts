import { expect, test } from '@playwright/test';
import { bigChainModel } from './fixtures/onnx-builder';
import { FREEZE_GOAL_MS, calibrate, freezeBound, installCalibration } from './calibration';
import { expectModelReady, openViaInput, quantize } from './helpers';

// What this guards: the page stays responsive while a long quantization runs in the worker and its results are
// drawn: no main-thread task over issue 10's goal (FREEZE_GOAL_MS on an idle machine), scaled by the slowdown the
// page measures before and after the run (e2e/calibration.ts; long-tasks.spec.ts explains why a raw 50 ms on the
// clock is not asserted on a shared machine).

// Needs the worker API. PerformanceObserver('longtask') on the main thread while the worker quantizes.
// Playwright's trace snapshots run in the page and would show up as long tasks themselves: no trace here.
test.use({ trace: 'off' });
test.describe.configure({ timeout: 180_000 });

const BIG = bigChainModel();

test('the main thread stays responsive while the worker quantizes', async ({ page }) => {
  await installCalibration(page);
  await page.goto('/');
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: BIG }]);
  await expectModelReady(page, 'big-chain.onnx');
  // Let the first plots (and plotly itself) load before measuring.
  for (const id of ['plot-error-curve', 'plot-histogram', 'plot-channel-ranges']) {
    await page.getByTestId(id).scrollIntoViewIfNeeded();
    await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'ready');
  }
  const before = await calibrate(page);
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
  const slowdown = Math.max(1, before, await calibrate(page));
  test.info().annotations.push({
    type: 'long tasks (ms)',
    description: `${JSON.stringify(longTasks.map(Math.round))}; ${Math.round(Math.max(0, ...longTasks) / slowdown)} ms idle-equivalent vs goal ${FREEZE_GOAL_MS} ms; asserted bound ${Math.round(freezeBound(slowdown))} ms (slowdown ${slowdown.toFixed(2)})`,
  });
  expect(Math.max(0, ...longTasks)).toBeLessThanOrEqual(freezeBound(slowdown));
});
