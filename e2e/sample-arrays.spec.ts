import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { parseNpy } from '../src/core/samples/npy';
import { buildNpy } from '../test/fixtures/samples/entries';
import { REPO_ROOT } from '../test/paths';
import {
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  openViaInput,
  rowTop1,
} from './helpers';

// Sample sets whose .npy names don't say which array is which (issue 10, item 12): the user assigns them in the
// sample-set panel; inputs.npy + labels.csv (+ classes.txt) is read as labelled. Fashion-MNIST dwcnn fixture.
test.describe.configure({ timeout: 120_000 });

const DWCNN = join(REPO_ROOT, 'test/fixtures/models/dwcnn');
const STEP = 5; // every 5th of the 1,000 evaluation images: 20 of each class (the file is sorted by class)
const COUNT = 200;
const CLASSES = readFileSync(join(DWCNN, 'classes.txt'), 'utf8').trim().split('\n');

const evalX = parseNpy(new Uint8Array(readFileSync(join(DWCNN, 'eval/inputs.npy'))), 'inputs.npy');
const evalY = parseNpy(new Uint8Array(readFileSync(join(DWCNN, 'eval/labels.npy'))), 'labels.npy');
const PIXELS = 28 * 28;
const pixels = buildNpy(
  '|u1',
  [COUNT, 1, 28, 28],
  Uint8Array.from(
    { length: COUNT * PIXELS },
    (_, k) => evalX.data[Math.floor(k / PIXELS) * STEP * PIXELS + (k % PIXELS)],
  ),
);
const labelOf = (i: number) =>
  Number(new BigInt64Array(evalY.data.buffer, evalY.data.byteOffset, 1000)[i * STEP]);
const LABELS = Array.from({ length: COUNT }, (_, i) => labelOf(i));
const int64 = (values: number[]) =>
  buildNpy('<i8', [values.length], new Uint8Array(BigInt64Array.from(values, BigInt).buffer));

async function pick(page: Page, files: { name: string; bytes: Uint8Array | string }[]) {
  await page.getByTestId('samples-file-input').setInputFiles(
    files.map((f) => ({
      name: f.name,
      mimeType: 'application/octet-stream',
      buffer: Buffer.from(f.bytes),
    })),
  );
}

test('npy files with uninformative names: the user assigns inputs and labels; labels.csv + classes.txt', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(join(DWCNN, 'model.onnx'))]);
  await expectModelReady(page, 'model.onnx');

  // pixels.npy, truth.npy (the labels) and ids.npy (0..199, also one whole number per sample): the names say
  // nothing, the shapes can't tell truth from ids. The guess (the first in name order) is shown and can be changed.
  await pick(page, [
    { name: 'pixels.npy', bytes: pixels },
    { name: 'truth.npy', bytes: int64(LABELS) },
    { name: 'ids.npy', bytes: int64(LABELS.map((_, i) => i)) },
  ]);
  await expectSamplesReady(page, COUNT);
  const roles = page.getByTestId('array-roles');
  await expect(roles).toBeVisible();
  await expect(page.getByTestId('sample-summary')).toContainText('check the assignment below');
  await expect(page.getByTestId('array-role-ids.npy')).toHaveAttribute('data-role', 'labels');
  await expect(page.getByTestId('array-role-pixels.npy')).toHaveAttribute('data-role', 'input');
  await expect(page.getByTestId('array-role-pixels.npy')).toContainText('uint8 [200 × 1 × 28 × 28]');

  await page.getByLabel('Use of truth.npy').selectOption('labels');
  await expect(page.getByTestId('array-role-truth.npy')).toHaveAttribute('data-role', 'labels');
  await expect(page.getByTestId('array-role-ids.npy')).toHaveAttribute('data-role', 'input'); // truth's old role
  await page.getByLabel('Use of ids.npy').selectOption('ignored');
  await expect(page.getByTestId('array-role-ids.npy')).toHaveAttribute('data-role', 'ignored');
  await expect(page.getByTestId('sample-summary')).toContainText('arrays as you assigned them');
  await expect(page.getByTestId('samples-unlabeled')).toHaveCount(0);
  await evaluate(page);
  const fromNpy = await rowTop1(page, 'float');
  expect(fromNpy.value).toBeGreaterThan(0.7); // 87.4 % on all 1,000 (PROVENANCE.md)

  // inputs.npy + labels.csv (class names) + classes.txt: labelled, with Fashion-MNIST's names, same accuracy.
  await pick(page, [
    { name: 'inputs.npy', bytes: pixels },
    { name: 'labels.csv', bytes: ['label', ...LABELS.map((l) => `"${CLASSES[l]}"`)].join('\n') },
    { name: 'classes.txt', bytes: CLASSES.join('\n') },
  ]);
  await expectSamplesReady(page, COUNT);
  await expect(page.getByTestId('samples-unlabeled')).toHaveCount(0);
  await expect(page.getByTestId('sample-summary')).toContainText('labels from labels.csv');
  await expect(page.getByRole('list', { name: 'Classes' })).toContainText('T-shirt/top');
  await expect(page.getByRole('list', { name: 'Classes' })).toContainText('Ankle boot');
  await expect(page.getByTestId('array-roles')).toHaveCount(0); // one array: nothing to assign
  await evaluate(page);
  expect(await rowTop1(page, 'float')).toEqual(fromNpy);
});
