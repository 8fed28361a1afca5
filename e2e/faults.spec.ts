import { expect, test, type Page, type Worker } from '@playwright/test';
import { bigChainModel, manyOpsModel, matMulChain } from './fixtures/onnx-builder';
import { V8, evaluate, expectModelReady, expectSamplesReady, openViaInput, quantize } from './helpers';
import { openChainWithNoise } from './noise-chain';

// Faults: a worker that dies mid-job, and a variant onnxruntime cannot load. No test hook in the app: Playwright
// reaches the page's workers itself and makes one throw an uncaught error, which the browser reports to the page
// as the worker's `error` event — the same path as a worker that runs out of memory or fails.
test.describe.configure({ timeout: 180_000 });

/** The page's worker whose script URL contains `name` (Vite names the bundles after their source files). */
async function workerOf(page: Page, name: string): Promise<Worker> {
  await expect.poll(() => page.workers().some((w) => w.url().includes(name))).toBe(true);
  return page.workers().find((w) => w.url().includes(name)) as Worker;
}

/** Make a worker die: an uncaught error thrown from its event loop (between two chunks of its current job). */
async function crash(worker: Worker, why: string): Promise<void> {
  await worker.evaluate((message) => {
    setTimeout(() => {
      throw new Error(message);
    }, 0);
  }, why);
}

test('a quantize worker that dies mid-job is reported, restarted, and nothing computed is lost', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'big-chain.onnx', bytes: bigChainModel() }]);
  await expectModelReady(page, 'big-chain.onnx');
  await quantize(page, ['8-bit']);
  const v8 = page.getByTestId(`variant-${V8}`);
  await expect(v8).toHaveAttribute('data-status', 'done');

  // A long batch, killed while its first job runs.
  await quantize(page, ['2-bit', '3-bit', '4-bit', '5-bit']);
  const batch = page.getByTestId('quantize-batch');
  await expect(batch).toHaveAttribute('data-status', 'running');
  await expect(page.locator('[data-testid=variant-list] > li[data-status=running]')).toHaveCount(1);
  await crash(await workerOf(page, 'quantize'), 'simulated crash (e2e)');

  await expect(batch).toHaveAttribute('data-status', 'idle');
  // The job that was running when the worker died (the one after any that finished meanwhile) says so.
  const failed = page.locator('[data-testid=variant-list] > li[data-status=error]');
  await expect(failed).toHaveCount(1);
  const error = failed.getByRole('alert');
  await expect(error).toContainText('Quantization failed');
  await expect(error).toContainText(
    'The quantization worker stopped: Uncaught Error: simulated crash (e2e); it was restarted',
  );
  await expect(error).toHaveAttribute('data-error-name', 'WorkerCrashedError');
  // The rest of the batch was dropped, nothing runs or waits, and the 8-bit variant is untouched.
  await expect(page.locator('[data-testid=variant-list] > li[data-status=running]')).toHaveCount(0);
  await expect(page.locator('[data-testid=variant-list] > li[data-status=idle]')).toHaveCount(0);
  await expect(v8).toHaveAttribute('data-status', 'done');

  // The next action works without a reload: quantize again, and download the variant made before the crash (its
  // run is re-created in the fresh worker).
  await quantize(page, ['4-bit']);
  await expect(page.getByTestId('variant-w4-sym-channel')).toHaveAttribute('data-status', 'done');
  await expect(v8).toHaveAttribute('data-status', 'done');
  const download = page.waitForEvent('download');
  await page.getByTestId(`download-${V8}`).getByRole('button').click();
  expect((await download).suggestedFilename()).toBe('big-chain_w8_channel.onnx');
  await expect(page.getByTestId(`download-${V8}`)).toHaveAttribute('data-status', 'ready');
});

// The load check runs in the shared evaluate worker, or, for a large variant, in an evaluate worker of its own that is
// ended after it (onnxruntime-web's memory never shrinks); the threshold is lowered to 0 for the second journey.
for (const ownWorker of [false, true])
  test(`a variant onnxruntime-web cannot load is reported and not offered for download (${ownWorker ? 'checked in a worker of its own, ended after it' : 'shared evaluate worker'})`, async ({
    page,
  }) => {
    const evaluateWorkers: Worker[] = [];
    const closed = new Set<Worker>();
    if (ownWorker) {
      await page.addInitScript(() => {
        (globalThis as { qstudioOwnCheckWorkerFrom?: number }).qstudioOwnCheckWorkerFrom = 0;
      });
      page.on('worker', (w) => {
        if (!w.url().includes('evaluate')) return;
        evaluateWorkers.push(w);
        w.on('close', () => closed.add(w));
      });
    }
    await page.goto('/');
    // Our reader and exporter accept an operator they do not know (it is passed through); onnxruntime has no kernel.
    await openViaInput(page, [{ name: 'custom-op.onnx', bytes: manyOpsModel(['Relu', 'NoSuchOp'], 64) }]);
    await expectModelReady(page, 'custom-op.onnx');
    await quantize(page, ['8-bit']);
    await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
    const cell = page.getByTestId(`download-${V8}`);
    await expect(cell).toHaveAttribute('data-status', 'refused');
    await expect(cell.getByRole('button')).toHaveCount(0);
    const why = page.getByTestId(`check-error-${V8}`);
    await expect(why).toContainText('Not offered for download');
    await expect(why).toContainText('onnxruntime-web could not load custom-op_w8_channel.onnx');
    await expect(why).toContainText('NoSuchOp');

    // A good model in the same page is checked and offered.
    await openViaInput(page, [{ name: 'chain.onnx', bytes: matMulChain({ layers: 2, width: 64 }).model }]);
    await expectModelReady(page, 'chain.onnx');
    await quantize(page, ['8-bit']);
    await expect(page.getByTestId(`download-${V8}`)).toHaveAttribute('data-check', 'ok');
    await expect(page.getByTestId(`download-${V8}`).getByRole('button')).toBeEnabled();
    if (ownWorker) {
      // One worker per check, each ended once its check was done.
      expect(evaluateWorkers.length).toBeGreaterThanOrEqual(2);
      await expect.poll(() => evaluateWorkers.every((w) => closed.has(w))).toBe(true);
    }
  });

test('an evaluate worker that dies mid-evaluation is reported, earlier results stay, and evaluating again works', async ({
  page,
}) => {
  // Slow enough to be caught running (one run per sample): 6 MatMuls of 384×384, 400 unlabelled samples.
  const WIDTH = 384;
  const SAMPLES = 400;
  await openChainWithNoise(page, { width: WIDTH, samples: SAMPLES, seed: 11 });
  await evaluate(page, 90_000);
  const bar = page.getByTestId('eval-run');
  const first = await bar.getAttribute('data-result');

  await page.getByTestId('eval-mode').getByRole('radio', { name: 'both' }).check();
  await page.getByTestId('evaluate-button').click();
  await expect(bar).toHaveAttribute('data-status', 'running');
  await expect(page.getByTestId('eval-progress')).toHaveAttribute('aria-valuenow', /^[1-9]\d*$/);
  await crash(await workerOf(page, 'evaluate'), 'simulated crash (e2e)');

  const error = page.getByTestId('eval-error');
  await expect(error).toContainText('Evaluation failed');
  await expect(error).toContainText(
    'The evaluation worker stopped: Uncaught Error: simulated crash (e2e); it was restarted',
  );
  await expect(error).toHaveAttribute('data-error-name', 'WorkerCrashedError');
  // What was computed before stays on screen: the last results, the sample set, the variant.
  await expect(bar).toHaveAttribute('data-result', first ?? '');
  await expect(page.getByTestId(`eval-row-${V8}`)).toBeVisible();
  await expectSamplesReady(page, SAMPLES);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');

  // The fresh worker is given the samples again: evaluating works without a reload.
  await page.getByTestId('eval-mode').getByRole('radio', { name: 'exact weight-only' }).check();
  await error.getByRole('button', { name: 'Dismiss' }).click();
  await expect(error).toHaveCount(0);
  await evaluate(page, 90_000);
  await expect(bar).not.toHaveAttribute('data-result', first ?? '');
});
