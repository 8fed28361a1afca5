import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { REPO_ROOT } from '../test/paths';
import { expectModelReady, fileFromPath, openViaInput, quantize } from './helpers';

const DWCNN = join(REPO_ROOT, 'test/fixtures/models/dwcnn/model.onnx');

test('MSE clipping and equalization from the config panel make their own variant, named for them', async ({
  page,
}) => {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(DWCNN)]);
  await expectModelReady(page, 'model.onnx');
  const percentile = page.getByLabel('Clip percentile');
  await expect(percentile).toBeDisabled();
  await page.getByRole('group', { name: 'Clip range' }).getByRole('radio', { name: 'MSE' }).check();
  await page.getByLabel('Cross-layer equalization').check();
  await quantize(page, ['4-bit']);
  const row = page.getByTestId('variant-w4-sym-channel-mse-cle');
  await expect(row).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(row).toContainText('MSE clip · CLE');
});
