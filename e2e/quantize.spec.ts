import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import * as ort from 'onnxruntime-node';
import {
  MNIST_MLIR,
  V4,
  V8,
  expectModelReady,
  fileFromPath,
  openViaInput,
  plotTraces,
  quantize,
} from './helpers';

// Needs the worker API: open, quantize, histogram, errorCurve, channelRanges, exportModel.

async function loadAndQuantize(page: Page) {
  await page.goto('/');
  await openViaInput(page, [fileFromPath(MNIST_MLIR)]);
  await expectModelReady(page, 'model.onnx');
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V8}`)).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');
}

const selectedWeight = (page: Page) =>
  page.locator('[data-testid=weight-row][aria-selected=true]').getAttribute('data-weight');

test('8-bit and 4-bit variants: histogram and per-layer error hold data for the selected layer', async ({
  page,
}) => {
  await loadAndQuantize(page);
  const weight = await selectedWeight(page);
  expect(weight).toBeTruthy();

  // Histogram: float bars plus one overlay per variant, all for the selected weight.
  await expect
    .poll(
      async () =>
        (await plotTraces(page, 'plot-histogram')).filter((t) => t.meta?.kind === 'quantized').length,
    )
    .toBe(2);
  const hist = await plotTraces(page, 'plot-histogram');
  expect(hist.every((t) => t.meta?.weight === weight)).toBe(true);
  const float = hist.find((t) => t.meta?.kind === 'float');
  expect(float?.x.length).toBeGreaterThan(10);
  const floatTotal = (float?.y as number[]).reduce((a, b) => a + (b ?? 0), 0);
  for (const q of hist.filter((t) => t.meta?.kind === 'quantized')) {
    // Same number of weights, just moved onto the grid.
    expect((q.y as number[]).reduce((a, b) => a + (b ?? 0), 0)).toBe(floatTotal);
  }

  // Per-layer error: one trace per variant over the quantized layers, 8-bit better than 4-bit everywhere.
  const layers = await plotTraces(page, 'plot-layer-error');
  expect(layers.map((t) => t.name).sort()).toEqual(['4-bit · channel', '8-bit · channel']);
  for (const t of layers) expect(t.x).toContain(weight);
  const at = (name: string) => {
    const t = layers.find((l) => l.name.startsWith(name));
    return (t?.y as number[])[(t?.x as string[]).indexOf(weight as string)];
  };
  expect(at('8-bit')).toBeGreaterThan(at('4-bit'));

  // Selecting the other layer in the table moves the histogram to it.
  const other = page.locator('[data-testid=weight-row][aria-selected=false]').first();
  const otherName = await other.getAttribute('data-weight');
  await other.getByRole('button').click();
  await expect(page.locator('[data-testid=weight-row][aria-selected=true]')).toHaveAttribute(
    'data-weight',
    otherName!,
  );
  await expect
    .poll(async () => {
      const t = await plotTraces(page, 'plot-histogram');
      return (
        t.length > 0 &&
        t.every((x) => x.meta?.weight === otherName) &&
        t.filter((x) => x.meta?.kind === 'quantized').length
      );
    })
    .toBe(2);

  // Error curve, channel ranges and the size/quality scatter have data too.
  const curve = await plotTraces(page, 'plot-error-curve');
  expect(curve.map((t) => t.name)).toContain('whole model');
  expect(curve[0].x).toEqual(['2-bit', '3-bit', '4-bit', '5-bit', '6-bit', '7-bit', '8-bit', 'fp16']);
  const ranges = await plotTraces(page, 'plot-channel-ranges');
  expect(ranges[0].meta?.weight).toBe(otherName);
  // One point per variant, and the Pareto front through them.
  const sizeQuality = await plotTraces(page, 'plot-size-quality');
  expect(sizeQuality.filter((t) => t.name !== 'Pareto front')).toHaveLength(2);
  expect(sizeQuality.filter((t) => t.name === 'Pareto front')).toHaveLength(1);
});

async function saveDownload(page: Page, variantId: string): Promise<{ download: Download; path: string }> {
  const wait = page.waitForEvent('download');
  await page.getByTestId(`download-${variantId}`).getByRole('button').click();
  const download = await wait;
  const path = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(path);
  await expect(page.getByTestId(`download-${variantId}`)).toHaveAttribute('data-status', 'ready');
  return { download, path };
}

test('download both variants: onnxruntime loads them and their sizes match the UI', async ({ page }) => {
  await loadAndQuantize(page);
  for (const [id, fileName, bits] of [
    [V8, 'model_w8_channel.onnx', '8'],
    [V4, 'model_w4_channel.onnx', '4'],
  ] as const) {
    const { download, path } = await saveDownload(page, id);
    expect(download.suggestedFilename()).toBe(fileName);
    // The studio and the CLI share one core: the same config gives the same bytes.
    const cliOut = test.info().outputPath(`cli_${fileName}`);
    execFileSync('node', [
      'bin/qstudio.mjs',
      'quantize',
      MNIST_MLIR,
      '-o',
      cliOut,
      '--bits',
      bits,
      '--granularity',
      'channel',
    ]);
    expect(readFileSync(path).equals(readFileSync(cliOut))).toBe(true);
    const shown = Number(await page.getByTestId(`variant-size-${id}`).getAttribute('data-bytes'));
    expect(statSync(path).size).toBe(shown);
    const session = await ort.InferenceSession.create(path);
    const input = session.inputNames[0];
    const out = await session.run({
      [input]: new ort.Tensor('float32', new Float32Array(784), [1, 1, 28, 28]),
    });
    expect(out[session.outputNames[0]].dims).toEqual([1, 10]);
    await session.release();
  }
});
