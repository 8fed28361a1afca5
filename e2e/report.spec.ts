import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { LAYER_COLUMNS } from '../src/core/report/studio-report';
import { testModel } from '../test/paths';
import { V4, V8, evaluate, expectSamplesReady, openDemo, quantize } from './helpers';

// Needs the worker API. The Variants panel's report downloads: the JSON holds each variant's run summary (the CLI
// core's for the same settings), its evaluation or why it has none; the CSV one row per layer of each variant.
test.describe.configure({ timeout: 150_000 });

async function saved(page: Page, name: string): Promise<{ file: string; text: string }> {
  const wait = page.waitForEvent('download');
  await page.getByTestId('variants-table').getByRole('button', { name }).click();
  const download = await wait;
  const path = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(path);
  return { file: download.suggestedFilename(), text: readFileSync(path, 'utf8') };
}

interface ReportJson {
  format: string;
  model: { fileName: string; weights: number };
  variants: {
    id: string;
    name: string;
    fileName: string;
    summary: {
      layers: { name: string }[];
      fileBytesBefore: number;
      fileBytesAfter: number;
      config: { bits: number };
    };
    evaluation: { id: string; exact: { accuracy: { top1Accuracy: number } } } | null;
    notEvaluated?: string;
  }[];
  evaluation: { sampleCount: number; samplesLabel: string } | null;
}

test('report: JSON of every variant (its evaluation or why not) and a CSV row per layer', async ({
  page,
}) => {
  await openDemo(page);
  await quantize(page, ['8-bit', '4-bit']);
  await expect(page.getByTestId('quantize-batch')).toHaveAttribute('data-status', 'idle');
  await expect(page.getByTestId(`variant-${V4}`)).toHaveAttribute('data-status', 'done');

  const first = await saved(page, 'Report (JSON)');
  expect(first.file).toBe('mnist-8.report.json');
  const before = JSON.parse(first.text) as ReportJson;
  expect(before).toMatchObject({
    format: 'qstudio-report',
    tool: { name: 'quantization-studio', version: JSON.parse(readFileSync('package.json', 'utf8')).version },
    model: { fileName: 'mnist-8.onnx' },
    evaluation: null,
  });
  expect(before.variants.map((v) => [v.id, v.evaluation, v.notEvaluated])).toEqual([
    [V8, null, 'no evaluation was run'],
    [V4, null, 'no evaluation was run'],
  ]);
  // Each summary is the CLI core's for the same settings; sizes are the ones on screen.
  const model = parseModel(new Uint8Array(readFileSync(testModel('mnist-8', 'model.onnx'))), 'mnist-8.onnx');
  for (const v of before.variants) {
    const core = await runQuantization(model, normalizeConfig({ bits: v.summary.config.bits }), 'cli');
    expect(JSON.parse(JSON.stringify(core.summary.layers))).toEqual(v.summary.layers);
    await expect(page.getByTestId(`variant-size-${v.id}`)).toHaveAttribute(
      'data-bytes',
      String(v.summary.fileBytesAfter),
    );
  }

  await page.getByRole('button', { name: 'Use 300 demo digits' }).click();
  await expectSamplesReady(page, 300);
  await evaluate(page);
  await quantize(page, ['2-bit']); // made after the evaluation: in the report without one
  await expect(page.getByTestId('variant-w2-sym-channel')).toHaveAttribute('data-status', 'done');

  const after = JSON.parse((await saved(page, 'Report (JSON)')).text) as ReportJson;
  expect(after.evaluation?.samplesLabel).toMatch(/^evaluated on samples 129–300/);
  expect(after.variants.map((v) => [v.id, v.evaluation?.id ?? null, v.notEvaluated])).toEqual([
    [V8, V8, undefined],
    [V4, V4, undefined],
    ['w2-sym-channel', null, 'made after the last evaluation'],
  ]);
  for (const v of after.variants.slice(0, 2))
    await expect(page.getByTestId(`variant-accuracy-${v.id}`)).toHaveAttribute(
      'data-value',
      String(v.evaluation!.exact.accuracy.top1Accuracy),
    );

  // Where the bytes go: each column sums to the file size on screen (and in the report), to the byte.
  const account = page.getByTestId('byte-account');
  await account.getByText('Where the bytes go').click();
  const columns = await account.locator('tbody').evaluate((body) => {
    const rows = [...body.querySelectorAll('tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => Number(td.dataset.bytes)),
    );
    const file = rows.pop()!;
    return file.map((bytes, c) => ({ file: bytes, sum: rows.reduce((a, r) => a + r[c], 0) }));
  });
  expect(columns.map((c) => c.file)).toEqual([
    after.variants[0].summary.fileBytesBefore,
    ...after.variants.map((v) => v.summary.fileBytesAfter),
  ]);
  for (const c of columns) expect(c.sum).toBe(c.file);

  await expect(page.getByTestId('byte-account-note')).toHaveCount(0); // every weight quantized: most of the file

  const csv = await saved(page, 'Layers (CSV)');
  expect(csv.file).toBe('mnist-8.layers.csv');
  const rows = csv.text.trimEnd().split('\r\n');
  expect(rows[0]).toBe(LAYER_COLUMNS.join(','));
  const weights = await page.getByTestId('weight-row').evaluateAll((r) => r.map((x) => x.dataset.weight));
  for (const v of after.variants) {
    const layerNames = rows.filter((r) => r.startsWith(`${v.name},`)).map((r) => r.split(',')[1]);
    expect(layerNames).toEqual(v.summary.layers.map((l) => l.name));
    expect([...layerNames].sort()).toEqual([...weights].sort());
  }
});

test('where the bytes go: a variant that leaves the largest weight float says what holds the rest', async ({
  page,
}) => {
  await openDemo(page);
  // The weight with the most values (mnist-8's second convolution) left float.
  const rows = page.getByTestId('weight-row');
  const counts = await rows.evaluateAll((r) =>
    r.map((x) => [x.dataset.weight!, Number(x.dataset.elements)] as const),
  );
  const [largest] = [...counts].sort((a, b) => b[1] - a[1])[0];
  await page.getByRole('checkbox', { name: `Quantize ${largest}` }).uncheck();
  await quantize(page, ['4-bit']);
  await expect(page.locator('[data-testid=variant-list] > li[data-status=done]')).toHaveCount(1);
  await expect(page.getByTestId('byte-account-note')).toHaveText(
    /^The weights this run quantized were [\d.]+ % of the original file: the other .* stay as they were, most of it weights left float \(.*\): see each one’s reason\.$/,
  );
  const account = page.getByTestId('byte-account');
  await account.getByText('Where the bytes go').click();
  const leftFloat = account.locator('tr[data-part=leftFloat] td');
  const bytes = await leftFloat.evaluateAll((tds) =>
    tds.map((td) => Number((td as HTMLElement).dataset.bytes)),
  );
  expect(bytes[0]).toBe(counts.find(([n]) => n === largest)![1] * 4); // float32 values, as before and after
  expect(bytes[1]).toBe(bytes[0]);
});
