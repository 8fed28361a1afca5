import { expect, test } from '@playwright/test';
import { writeFileSync } from 'node:fs';
import { matMulChain } from './fixtures/onnx-builder';
import { expectModelReady, openViaInput, quantize } from './helpers';

const BIG = matMulChain({ layers: 24, width: 640 }).model;
test.describe.configure({ timeout: 180_000 });
test('profile', async ({ page }) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: BIG }]);
  await expectModelReady(page, 'big-chain.onnx');
  for (const id of ['plot-histogram', 'plot-channel-ranges', 'plot-error-curve']) {
    await expect(page.getByTestId(id)).toHaveAttribute('data-status', 'ready');
  }
  await page.evaluate(() => {
    const w = window as unknown as { __lt: unknown[] };
    w.__lt = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__lt.push({ start: Math.round(e.startTime), d: Math.round(e.duration) }); }).observe({ type: 'longtask' });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  const t0 = await page.evaluate(() => performance.now());
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle', { timeout: 120_000 });
  await page.getByRole('radio', { name: 'Log' }).check();
  await expect(page.getByTestId('plot-histogram')).toHaveAttribute('data-status', 'ready');
  const { profile } = await cdp.send('Profiler.stop');
  writeFileSync('/tmp/prof/profile.json', JSON.stringify(profile));
  console.log('t0', t0, JSON.stringify(await page.evaluate(() => (window as unknown as { __lt: unknown[] }).__lt)));
});
