import { expect, test, type Worker } from '@playwright/test';
import { manyOpsModel, matMulChain } from './fixtures/onnx-builder';
import { V8, expectModelReady, openViaInput, quantize } from './helpers';

// A large variant's onnxruntime load check runs in an evaluate worker of its own, ended after it (onnxruntime-web's
// memory never shrinks, so the shared evaluate worker would keep it). The threshold is lowered to 0 here.
test.describe.configure({ timeout: 180_000 });

test('a load check in a worker of its own: a bad variant refused with onnxruntime’s message, a good one offered, the worker ended', async ({
  page,
}) => {
  await page.addInitScript(() => {
    (globalThis as { qstudioOwnCheckWorkerFrom?: number }).qstudioOwnCheckWorkerFrom = 0;
  });
  const evaluateWorkers: Worker[] = [];
  const closed = new Set<Worker>();
  page.on('worker', (w) => {
    if (!w.url().includes('evaluate')) return;
    evaluateWorkers.push(w);
    w.on('close', () => closed.add(w));
  });
  await page.goto('/');
  await openViaInput(page, [{ name: 'custom-op.onnx', bytes: manyOpsModel(['Relu', 'NoSuchOp'], 64) }]);
  await expectModelReady(page, 'custom-op.onnx');
  await quantize(page, ['8-bit']);
  const cell = page.getByTestId(`download-${V8}`);
  await expect(cell).toHaveAttribute('data-status', 'refused');
  const why = page.getByTestId(`check-error-${V8}`);
  await expect(why).toContainText('onnxruntime-web could not load custom-op_w8_channel.onnx');
  await expect(why).toContainText('NoSuchOp');

  await openViaInput(page, [{ name: 'chain.onnx', bytes: matMulChain({ layers: 2, width: 64 }).model }]);
  await expectModelReady(page, 'chain.onnx');
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`download-${V8}`)).toHaveAttribute('data-check', 'ok');
  await expect(page.getByTestId(`download-${V8}`).getByRole('button')).toBeEnabled();
  // One worker per check, each ended once its check was done.
  expect(evaluateWorkers.length).toBeGreaterThanOrEqual(2);
  await expect.poll(() => evaluateWorkers.every((w) => closed.has(w))).toBe(true);
});
