import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Download } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import {
  MNIST_MLIR,
  V8,
  expectCliExternalDataBytes,
  expectModelReady,
  fileFromPath,
  openViaInput,
  quantize,
} from './helpers';

// The "external data" box: a small model saved as model.onnx + model.onnx_data (two downloads into one folder).
test('external data on request: two downloads, the CLI’s --external-data bytes, onnxruntime loads them', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');

  await page.getByTestId(`external-data-${V8}`).check();
  const downloads: Download[] = [];
  const both = new Promise<void>((resolve) =>
    page.on('download', (d) => {
      downloads.push(d);
      if (downloads.length === 2) resolve();
    }),
  );
  await page.getByTestId(`download-${V8}`).getByRole('button').click();
  await both;
  await expect(page.getByTestId(`download-${V8}`)).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId(`download-${V8}`)).toContainText(
    '2 files: model_w8_channel.onnx + model_w8_channel.onnx_data',
  );
  const names = downloads.map((d) => d.suggestedFilename()).sort();
  expect(names).toEqual(['model_w8_channel.onnx', 'model_w8_channel.onnx_data']);
  const folder = test.info().outputPath('studio');
  mkdirSync(folder, { recursive: true });
  for (const d of downloads) await d.saveAs(join(folder, d.suggestedFilename()));

  // The CLI writes the same two files for the same config.
  expectCliExternalDataBytes(MNIST_MLIR, folder, names);

  const session = await ort.InferenceSession.create(join(folder, 'model_w8_channel.onnx'));
  const out = await session.run({
    [session.inputNames[0]]: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]),
  });
  expect(out[session.outputNames[0]].dims).toEqual([1, 10]);
  await session.release();

  // Unticked, the same variant downloads as one file again.
  await page.getByTestId(`external-data-${V8}`).uncheck();
  const one = page.waitForEvent('download');
  await page.getByTestId(`download-${V8}`).getByRole('button').click();
  expect((await one).suggestedFilename()).toBe('model_w8_channel.onnx');
  await expect(page.getByTestId(`download-${V8}`)).not.toContainText('2 files');
});
