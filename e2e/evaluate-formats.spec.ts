import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { zipSync } from 'fflate';
import { testModel } from '../test/paths';
import {
  MNIST_8,
  MNIST_PNG_DIR,
  dropSamples,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  folderFiles,
  openViaInput,
  evaluateWholeSet,
  rowTop1,
} from './helpers';

// The other sample-set formats, each read and evaluated with mnist-8 (float model only: enough to show the set is
// fed right). Accuracies on the 1,000-sample set: 98.7 % (test/data/README.md).
test.describe.configure({ timeout: 120_000 });

const dataFile = (path: string) => new Uint8Array(readFileSync(testModel(path)));

async function pick(page: Page, files: { name: string; bytes: Uint8Array }[]) {
  await page.getByTestId('samples-file-input').setInputFiles(
    files.map((f) => ({
      name: f.name,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(f.bytes),
    })),
  );
}

test('zip of images + labels.csv, ONNX test data with reference outputs, samples.npz, inputs.npy + labels.npy', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_8)]);
  await expectModelReady(page, 'model.onnx');

  // A .zip holding images, labels.csv (filename,label) and classes.txt.
  const images = folderFiles(MNIST_PNG_DIR, 'png')
    .filter((f) => /\/[0-9]\/\d+\.png$/.test(f.path))
    .slice(0, 20);
  const csv = ['filename,label', ...images.map((f) => `${f.path.slice(4)},${f.path.split('/')[1]}`)].join(
    '\n',
  );
  const zip = zipSync({
    'digits/labels.csv': new TextEncoder().encode(csv),
    'digits/classes.txt': new TextEncoder().encode('0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n'),
    ...Object.fromEntries(images.map((f) => [`digits/${f.path.slice(4)}`, f.bytes])),
  });
  await pick(page, [{ name: 'digits.zip', bytes: zip }]);
  await expectSamplesReady(page, 20);
  await expect(page.getByTestId('sample-summary')).toContainText('labels from digits.zip/digits/labels.csv');
  await page.getByTestId('pre-range').getByRole('radio', { name: '0..255' }).check();
  await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
  await evaluate(page);
  expect((await rowTop1(page, 'float')).value).toBeGreaterThanOrEqual(0.9);

  // ONNX test data: input_0.pb + output_0.pb, no labels: fidelity only, plus the check against the reference.
  await dropSamples(page, folderFiles(testModel('mnist-8', 'test_data_set_0'), 'test_data_set_0'), 'entries');
  await expectSamplesReady(page, 1);
  await expect(page.getByTestId('samples-unlabeled')).toBeVisible();
  await expect(page.getByTestId('preprocess')).toHaveCount(0);
  await evaluate(page);
  await expect(page.getByTestId('fidelity-only')).toBeVisible();
  await expect(page.getByTestId('reference-check')).toContainText('top-1 agreement 100.0%');

  // samples.npz (inputs + labels): already numbers, raw 0..255.
  await pick(page, [{ name: 'samples.npz', bytes: dataFile('mnist-8/samples/samples.npz') }]);
  await expectSamplesReady(page, 1000);
  await evaluateWholeSet(page); // 98.7 % is on all 1,000
  await evaluate(page);
  expect(await rowTop1(page, 'float')).toEqual({ value: 0.987, text: '98.7%' });

  // inputs.npy + labels.npy, picked together.
  await pick(page, [
    { name: 'inputs.npy', bytes: dataFile('mnist-8/samples/inputs.npy') },
    { name: 'labels.npy', bytes: dataFile('mnist-8/samples/labels.npy') },
  ]);
  await expectSamplesReady(page, 1000);
  await expect(page.getByTestId('sample-summary')).toContainText('NumPy .npy');
  await expect(page.getByTestId('fit-ok')).toContainText('batch fixed at 1');
});
