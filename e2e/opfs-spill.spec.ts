import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Download, type Page, type Worker } from '@playwright/test';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { bigChainModel } from './fixtures/onnx-builder';
import { V8, expectCliExternalDataBytes, expectModelReady, openViaInput, quantize } from './helpers';

// A large model's quantized tensors go to the origin private file system as they are made (src/workers/opfs-spill.ts)
// and the downloads are Blobs of those files. The threshold (256 MiB) is lowered in the quantize worker so a small
// model (24 MatMuls of 640×640, ~39 MB: its int8 tensors are above the pipeline's 64 KiB spill minimum) spills: the downloads must be the CLI's bytes, one file and two, and a dropped model's files are deleted.

const quantizeWorker = (page: Page): Worker => {
  const w = page.workers().find((x) => x.url().includes('quantize.worker'));
  if (!w) throw new Error('no quantize worker');
  return w;
};

/** Files under the spill folder of the origin's private file system (all workers). */
const spilledFiles = (w: Worker) =>
  w.evaluate(async () => {
    type Dir = FileSystemDirectoryHandle & { values(): AsyncIterable<FileSystemHandle> };
    const count = async (d: Dir): Promise<number> => {
      let n = 0;
      for await (const h of d.values()) n += h.kind === 'file' ? 1 : await count(h as unknown as Dir);
      return n;
    };
    const root = (await navigator.storage.getDirectory()) as Dir;
    try {
      return await count((await root.getDirectoryHandle('qstudio-spill')) as Dir);
    } catch {
      return 0;
    }
  });

const save = async (d: Download, folder: string) => {
  const path = join(folder, d.suggestedFilename());
  await d.saveAs(path);
  return path;
};

test.describe.configure({ timeout: 180_000 });

const BIG = bigChainModel();

test('a spilled run downloads the CLI’s bytes (one file and two); closing the model deletes its files', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [{ name: 'model.onnx', bytes: BIG }]);
  await expectModelReady(page, 'model.onnx');
  await expect.poll(() => page.workers().some((w) => w.url().includes('quantize.worker'))).toBe(true);
  await quantizeWorker(page).evaluate(() => {
    (globalThis as { qstudioSpillFromBytes?: number }).qstudioSpillFromBytes = 0;
  });
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  expect(await spilledFiles(quantizeWorker(page))).toBeGreaterThan(0);

  const folder = test.info().outputPath('studio');
  mkdirSync(folder, { recursive: true });
  const one = page.waitForEvent('download');
  await page.getByTestId(`download-${V8}`).getByRole('button').click();
  const onePath = await save(await one, folder);
  const cli = await runQuantization(parseModel(BIG, 'model.onnx'), normalizeConfig({ bits: 8 }), 'cli');
  expect(Buffer.from(readFileSync(onePath)).equals(Buffer.from(cli.bytes))).toBe(true);

  // Two files: the one-file run read back from its spilled tensors and split, as `--external-data` writes it.
  await page.getByTestId(`external-data-${V8}`).check();
  const downloads: Promise<string>[] = [];
  page.on('download', (d) => void downloads.push(save(d, folder)));
  await page.getByTestId(`download-${V8}`).getByRole('button').click();
  await expect.poll(() => downloads.length).toBe(2);
  const names = (await Promise.all(downloads)).map((p) => p.split('/').pop()!).sort();
  expect(names).toEqual(['model_w8_channel.onnx', 'model_w8_channel.onnx_data']);
  const modelPath = test.info().outputPath('model.onnx');
  writeFileSync(modelPath, BIG);
  expectCliExternalDataBytes(modelPath, folder, names);

  // Another model replaces this one: the run is dropped with its files.
  await openViaInput(page, [{ name: 'other.onnx', bytes: BIG }]);
  await expectModelReady(page, 'other.onnx');
  await expect.poll(() => spilledFiles(quantizeWorker(page))).toBe(0);
});
