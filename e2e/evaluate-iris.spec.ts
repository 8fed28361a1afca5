import { expect, test } from '@playwright/test';
import {
  IRIS,
  IRIS_CSV,
  V4,
  V8,
  evaluate,
  expectModelReady,
  expectSamplesReady,
  fileFromPath,
  openViaInput,
  quantize,
  rowTop1,
} from './helpers';

// iris-mlp-winml (dynamic batch, raw centimetre features) on Iris.csv: Id excluded, Species as label mapped to
// class indices the user sees and can change. Expected: 98.0 / 98.0 / 94.0 % (test/data/README.md).
test.describe.configure({ timeout: 120_000 });

test('iris on Iris.csv: label column Species, float / int8 / int4 = 98.0 / 98.0 / 94.0 %, flips with values', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(IRIS)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');

  // "Choose files…" on the sample-set zone.
  const csv = fileFromPath(IRIS_CSV);
  await page.getByTestId('samples-file-input').setInputFiles({
    name: csv.name,
    mimeType: 'text/csv',
    buffer: Buffer.from(csv.bytes),
  });
  await expectSamplesReady(page, 150);
  const table = page.getByTestId('tabular-options');
  await table.getByTestId('label-column').selectOption('Species');
  await expectSamplesReady(page, 150);
  await expect(table.getByTestId('label-column')).toHaveValue('Species');
  await expect(table.getByRole('checkbox', { name: 'Id', exact: true })).not.toBeChecked();
  await expect(table.getByRole('checkbox', { name: 'PetalWidthCm' })).toBeChecked();
  const mapping = table.getByTestId('label-mapping');
  await expect(mapping.getByRole('spinbutton')).toHaveCount(3);
  await expect(mapping.getByRole('spinbutton', { name: 'Class index of Iris-virginica' })).toHaveValue('2');
  await expect(page.getByTestId('preprocess')).toHaveCount(0); // numbers, not images
  await expect(page.getByTestId('fit-ok')).toContainText('dynamic batch');

  await evaluate(page);
  const got = await Promise.all(['float', V8, V4].map((r) => rowTop1(page, r)));
  expect(got.map((g) => g.value)).toEqual([0.98, 0.98, 0.94]);
  expect(got.map((g) => g.text)).toEqual(['98.0%', '98.0%', '94.0%']);
  // 150 rows are too few to hold out 128 calibration samples: all are evaluated, and the results say so.
  await expect(page.getByTestId('eval-samples-label')).toHaveText(
    "Evaluated on samples 1–150 (150), including calibration's 1–128: not held out (too few samples to hold out: 150 is fewer than 2 × 128 calibration samples).",
  );
  await expect(page.getByTestId(`eval-row-${V4}`).getByTestId('eval-delta')).toHaveText('−4.0 pt');
  await expect(page.getByTestId(`variant-accuracy-${V4}`)).toHaveAttribute('data-value', '0.94');

  // Flips of int4 show the feature values (no image), the label and both predictions.
  await expect(page.getByTestId('flips-variant')).toHaveValue(V4);
  await expect(page.getByTestId('flips-summary')).toHaveAttribute('data-total', '10');
  const card = page.getByTestId('eval-flips').getByTestId('flip-card').first();
  await expect(card.locator('.flip-values')).toContainText('PetalLengthCm');
  await expect(card).toContainText(/label Iris-/);
  await page.screenshot({ path: 'test-results/screens/eval-iris-light.png', animations: 'disabled' });

  // A mapping the model does not have: the evaluation explains it, and the earlier results stay.
  const before = await page.getByTestId('eval-run').getAttribute('data-result');
  const virginica = mapping.getByRole('spinbutton', { name: 'Class index of Iris-virginica' });
  await virginica.fill('5');
  await virginica.press('Enter');
  await expect(mapping.getByRole('spinbutton', { name: 'Class index of Iris-virginica' })).toHaveValue('5');
  await page.getByTestId('evaluate-button').click();
  await expect(page.getByTestId('eval-error')).toContainText("has label 5 ('Iris-virginica')");
  await expect(page.getByTestId('eval-run')).toHaveAttribute('data-result', before ?? '');
  expect((await rowTop1(page, V4)).value).toBe(0.94);
});
