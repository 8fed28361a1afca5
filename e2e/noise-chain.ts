// A model slow enough to catch an evaluation running (6 MatMuls of width × width, batch fixed at 1), quantized at
// 8 bits, and a set without labels (inputs.npy only) picked as a folder with the directory picker.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { buildNpy } from '../test/fixtures/samples/entries';
import { matMulChain, pseudoWeights } from './fixtures/onnx-builder';
import { V8, expectModelReady, expectSamplesReady, openViaInput, quantize } from './helpers';

/** Opens chain.onnx, quantizes it at 8 bits and loads `samples` noise inputs from the folder 'noise/'. */
export async function openChainWithNoise(
  page: Page,
  { width, samples, seed }: { width: number; samples: number; seed: number },
): Promise<void> {
  const dir = test.info().outputPath('noise');
  mkdirSync(dir, { recursive: true });
  const x = pseudoWeights(samples * width, seed).map((v) => v * 10);
  writeFileSync(join(dir, 'inputs.npy'), buildNpy('<f4', [samples, width], new Uint8Array(x.buffer)));

  await page.goto('/');
  await openViaInput(page, [{ name: 'chain.onnx', bytes: matMulChain({ layers: 6, width }).model }]);
  await expectModelReady(page, 'chain.onnx');
  await quantize(page, ['8-bit']);
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  // The directory picker (<input type=file webkitdirectory>): paths arrive as 'noise/inputs.npy'.
  await page.getByTestId('samples-folder-input').setInputFiles(dir);
  await expectSamplesReady(page, samples);
}
