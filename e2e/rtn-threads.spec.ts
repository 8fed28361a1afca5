import { readFileSync } from 'node:fs';
import { expect, test, type Page, type Worker } from '@playwright/test';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { bigChainModel } from './fixtures/onnx-builder';
import { V4, V8, expectModelReady, openViaInput, quantize } from './helpers';

// The quantize worker's RTN threads (src/workers/rtn-threads.ts): a model of more than 32 MiB is quantized in nested
// workers (`rtn.worker`), kept for the next width of a batch, and the downloads are the bytes of the CLI core in one
// thread. A thread that dies fails that run only; a cancel ends the threads.
test.describe.configure({ timeout: 180_000 });

const BIG = bigChainModel(); // 24 MatMuls of 640×640, ~39 MB

const rtnWorkers = (page: Page): Worker[] => page.workers().filter((w) => w.url().includes('rtn.worker'));

async function openBig(page: Page): Promise<void> {
  await page.goto('/');
  expect(await page.evaluate(() => navigator.hardwareConcurrency)).toBeGreaterThanOrEqual(2);
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: BIG }]);
  await expectModelReady(page, 'big-chain.onnx');
}

test('a model over 32 MiB is quantized in threads, kept for the batch, with the bytes of one thread', async ({
  page,
}) => {
  let started = 0;
  page.on('worker', (w) => void (w.url().includes('rtn.worker') && started++));
  await openBig(page);
  await quantize(page, ['4-bit', '8-bit']);
  await expect.poll(() => rtnWorkers(page).length).toBeGreaterThan(0);
  for (const id of [V4, V8])
    await expect(page.getByTestId(`variant-${id}`)).toHaveAttribute('data-status', 'done');
  // hardwareConcurrency − 1 threads (at most 4), started once: the second width reuses the first one's.
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  expect(started).toBe(Math.min(4, cores - 1));

  const model = parseModel(BIG, 'big-chain.onnx');
  for (const [id, bits, name] of [
    [V4, 4, 'big-chain_w4_channel.onnx'],
    [V8, 8, 'big-chain_w8_channel.onnx'],
  ] as const) {
    const wait = page.waitForEvent('download');
    await page.getByTestId(`download-${id}`).getByRole('button').click();
    const download = await wait;
    expect(download.suggestedFilename()).toBe(name);
    const path = test.info().outputPath(name);
    await download.saveAs(path);
    const one = await runQuantization(model, normalizeConfig({ bits }), 'cli');
    expect(Buffer.from(readFileSync(path)).equals(Buffer.from(one.bytes)), name).toBe(true);
  }
});

test('a thread that dies fails its run with a clear error; the quantize worker lives on and quantizes again', async ({
  page,
}) => {
  await openBig(page);
  await quantize(page, ['4-bit', '8-bit']);
  await expect.poll(() => rtnWorkers(page).length).toBeGreaterThan(0);
  const thread = rtnWorkers(page)[0];
  await thread.evaluate(() => {
    setTimeout(() => {
      throw new Error('simulated crash (e2e)');
    }, 0);
  });
  const failed = page.locator('[data-testid=variant-list] > li[data-status=error]');
  await expect(failed).toHaveCount(1);
  const error = failed.getByRole('alert');
  await expect(error).toContainText('A quantization thread stopped: Uncaught Error: simulated crash (e2e)');
  await expect(error).not.toHaveAttribute('data-error-name', 'WorkerCrashedError');
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect.poll(() => page.workers().includes(thread)).toBe(false); // its pool ended with the run

  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
});

test('a cancel ends the threads of the running job', async ({ page }) => {
  await openBig(page);
  await quantize(page, ['2-bit', '3-bit', '4-bit', '5-bit']);
  await expect.poll(() => rtnWorkers(page).length).toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect.poll(() => rtnWorkers(page).length).toBe(0);
  await expect(page.getByRole('alert')).toHaveCount(0);
});
