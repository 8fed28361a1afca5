import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { buildNpy } from '../test/fixtures/samples/entries';
import { testModel } from '../test/paths';
import {
  IRIS_CSV,
  MNIST_8,
  MNIST_PNG_DIR,
  dropSamples,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  folderFiles,
  openViaInput,
  rowTop1,
  type RelFile,
} from './helpers';

// Bad sample sets give a message in place naming the file and what was expected; the page stays usable and the
// results computed before are kept. The model is mnist-8 (float only: no quantization needed here).

const png = (digit: number, i = 0): Uint8Array =>
  folderFiles(`${MNIST_PNG_DIR}/${digit}`, String(digit))[i].bytes;

/** A small good set: 2 images of each digit 0..5 in class folders. */
const goodSet = (root: string): RelFile[] =>
  [0, 1, 2, 3, 4, 5].flatMap((d) => [0, 1].map((i) => ({ path: `${root}/${d}/${i}.png`, bytes: png(d, i) })));

async function expectError(page: Page, ...texts: string[]) {
  const error = page.getByTestId('samples-error');
  await expect(error).toBeVisible();
  await expect(error).toHaveAttribute('role', 'alert');
  for (const t of texts) await expect(error).toContainText(t);
}

/** The earlier results are still on screen, unchanged. */
async function expectResultsKept(page: Page, resultId: string | null) {
  await expect(page.getByTestId('eval-run')).toHaveAttribute('data-result', resultId ?? '');
  await expect(page.getByTestId('eval-row-float')).toBeVisible();
  expect((await rowTop1(page, 'float')).value).toBeGreaterThan(0.5);
}

test('bad sample sets: wrong shape, label count mismatch, corrupt image, unknown class folder, empty folder', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_8)]);
  await expectModelReady(page, 'model.onnx');

  // A good set first, evaluated: its results must survive everything below.
  await dropSamples(page, goodSet('good'), 'relative');
  await expectSamplesReady(page, 12);
  await page.getByTestId('pre-range').getByRole('radio', { name: '0..255' }).check();
  await expect(page.getByTestId('preview')).toHaveAttribute('data-status', 'ready');
  await evaluate(page);
  const resultId = await page.getByTestId('eval-run').getAttribute('data-result');

  // Label count mismatch: inputs.npy has 1,000 samples, labels.npy 999.
  await dropSamples(
    page,
    [
      {
        path: 'npy/inputs.npy',
        bytes: new Uint8Array(readFileSync(testModel('mnist-8/samples/inputs.npy'))),
      },
      { path: 'npy/labels.npy', bytes: buildNpy('<i8', [999], new Uint8Array(999 * 8)) },
    ],
    'relative',
  );
  await expectError(page, '“npy/”', 'npy/labels.npy has 999 labels but npy/inputs.npy has 1,000 samples');
  await expect(page.getByTestId('sample-summary')).toContainText('good/'); // the previous set is kept
  await expectResultsKept(page, resultId);

  // Unknown class folder: classes.txt lists 0..9, a folder is called 'cat'.
  const classes = new TextEncoder().encode('0\n1\n2\n3\n4\n5\n6\n7\n8\n9\n');
  await dropSamples(
    page,
    [
      ...goodSet('classes'),
      { path: 'classes/classes.txt', bytes: classes },
      { path: 'classes/cat/0.png', bytes: png(7) },
    ],
    'relative',
  );
  await expectError(page, "folder 'cat' is not one of the classes in classes/classes.txt");

  // An empty folder, dropped as a folder.
  await dropSamples(page, [], 'entries', ['empty']);
  await expectError(page, '“empty/”', 'empty/: no files in it (expected images in class folders');
  await page.getByRole('button', { name: 'Keep using good/' }).click();
  await expect(page.getByTestId('samples-error')).toHaveCount(0);
  await expectSamplesReady(page, 12);
  await expectResultsKept(page, resultId);

  // Wrong shape: a 4-feature table for a 28×28 image model. Evaluate is blocked, with the reason.
  const csv = fileFromPath(IRIS_CSV);
  await page.getByTestId('samples-file-input').setInputFiles({
    name: csv.name,
    mimeType: 'text/csv',
    buffer: Buffer.from(csv.bytes),
  });
  await expectSamplesReady(page, 150);
  const fit = page.getByTestId('fit-error');
  await expect(fit).toContainText(
    "Iris.csv: each sample has shape [4] but model input 'Input3' expects [1,1,28,28]",
  );
  await expect(page.getByTestId('evaluate-button')).toBeDisabled();
  await expect(page.getByTestId('eval-results')).toContainText('not the sample set loaded now');
  await expectResultsKept(page, resultId);
  await page.screenshot({ path: 'test-results/screens/eval-bad-shape-light.png', animations: 'disabled' });

  // Corrupt image: reading and the preview (first 8 images) are fine, the evaluation reaches it and names it.
  await dropSamples(
    page,
    [
      ...goodSet('corrupt'),
      { path: 'corrupt/5/9.png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
    ],
    'entries',
  );
  await expectSamplesReady(page, 13);
  await expect(page.getByTestId('fit-ok')).toBeVisible();
  await page.getByTestId('evaluate-button').click();
  const evalError = page.getByTestId('eval-error');
  await expect(evalError).toContainText('corrupt/5/9.png');
  await expect(evalError).toContainText('Earlier results are kept');
  await expect(page.getByTestId('eval-run')).toHaveAttribute('data-status', 'error');
  await expectResultsKept(page, resultId);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.locator('#evaluation').evaluate((el) => el.scrollIntoView({ block: 'start' }));
  await page.evaluate(() => window.scrollBy(0, -72));
  await page.screenshot({ path: 'test-results/screens/eval-bad-image-dark.png', animations: 'disabled' });

  // The page is still usable: the good set, dropped anywhere on the page this time, evaluates again.
  await dropSamples(page, goodSet('good'), 'entries', [], 'main');
  await expectSamplesReady(page, 12);
  await evaluate(page);
  await expect(page.getByTestId('eval-results')).not.toContainText('not the sample set loaded now');
});
