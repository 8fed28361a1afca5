import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../../test/paths';
import { parseModel } from '../onnx';
import { runQuantization } from '../pipeline/run';
import type { RunSummary } from '../pipeline/types';
import { normalizeConfig } from '../quant/config';
import type { EvalReport, VariantResult } from '../eval/results';
import { LAYER_COLUMNS, layersCsv, reportJson, studioReport, type ReportInput } from './studio-report';

const model = parseModel(new Uint8Array(readFileSync(testModel('mnist-onnx-mlir/model.onnx'))), 'model.onnx');
const summaryOf = async (bits: 4 | 8, exclude: string[] = []) =>
  (
    await runQuantization(
      model,
      normalizeConfig({ bits, layers: Object.fromEntries(exclude.map((n) => [n, { skip: true }])) }),
      `r${bits}`,
    )
  ).summary;

const variantResult = (id: string): VariantResult =>
  ({
    id,
    label: id,
    sizeBytes: 1,
    exact: null,
    deployed: null,
    modesDiffer: null,
    modeComparison: null,
  }) as VariantResult;
const evalReport = (ids: string[]) =>
  ({
    sampleCount: 10,
    totalSamples: 10,
    synthetic: false,
    variants: ids.map(variantResult),
  }) as unknown as EvalReport;

async function input(evaluation: ReportInput['evaluation']): Promise<ReportInput> {
  const [s8, s4] = [await summaryOf(8), await summaryOf(4, ['fc2.weight'])];
  return {
    created: new Date(Date.UTC(2026, 11, 6, 12)),
    model: { fileName: 'model.onnx', fileBytes: 1000, parameters: 100, weights: 2 },
    variants: [
      { id: 'w8', name: '8-bit · sym · per-channel', fileName: 'model_w8.onnx', summary: s8, runId: 'r8' },
      { id: 'w4', name: '4-bit, "odd", name', fileName: 'model_w4.onnx', summary: s4, runId: 'r4' },
    ],
    evaluation,
    sensitivity: [],
  };
}

describe('studioReport', () => {
  it.each([
    ['no evaluation', null, [null, null], ['no evaluation was run', 'no evaluation was run']],
    ['both evaluated as they are', { r8: 'w8', r4: 'w4' }, ['w8', 'w4'], [undefined, undefined]],
    [
      'w4 re-quantized since',
      { r8: 'w8', old: 'w4' },
      ['w8', null],
      [undefined, 're-quantized after the last evaluation'],
    ],
    ['w4 made after', { r8: 'w8' }, ['w8', null], [undefined, 'made after the last evaluation']],
  ] as const)('%s: each variant has its own evaluation or says why not', async (_, runs, evaluated, why) => {
    const ev = runs
      ? {
          report: evalReport(['w8', 'w4']),
          samplesName: 'digits.npz',
          samplesLabel: 'evaluated on samples 129–300 (172)',
          runIds: Object.fromEntries(Object.entries(runs).map(([run, id]) => [id, run])),
        }
      : null;
    const r = studioReport(await input(ev));
    expect(r.variants.map((v) => v.evaluation?.id ?? null)).toEqual(evaluated);
    expect(r.variants.map((v) => v.notEvaluated)).toEqual(why);
    if (ev) {
      expect(r.evaluation).toMatchObject({ sampleCount: 10, samplesName: 'digits.npz' });
      expect(r.evaluation).not.toHaveProperty('variants'); // each variant carries its own part
    } else expect(r.evaluation).toBeNull();
  });

  it('is JSON with ±∞ as strings, the run summaries as `qstudio quantize --json` writes them', async () => {
    const inp = await input(null);
    const s: RunSummary = { ...inp.variants[0].summary, minSqnrDb: Infinity, meanSqnrDb: -Infinity };
    const r = studioReport({ ...inp, variants: [{ ...inp.variants[0], summary: s }] });
    const back = JSON.parse(reportJson(r));
    expect(back).toMatchObject({
      format: 'qstudio-report',
      version: 1,
      created: '2026-12-06T12:00:00.000Z',
      tool: {
        name: 'quantization-studio',
        version: JSON.parse(readFileSync('package.json', 'utf8')).version,
      },
    });
    expect(back.variants[0].summary.minSqnrDb).toBe('Infinity');
    expect(back.variants[0].summary.meanSqnrDb).toBe('-Infinity');
    expect(back.variants[0].summary.layers).toEqual(JSON.parse(JSON.stringify(s.layers)));
  });
});

describe('layersCsv', () => {
  it('one row per layer of each variant and per layer left float (with its reason), quoted per RFC 4180', async () => {
    const r = studioReport(await input(null));
    const csv = layersCsv(r);
    expect(csv.endsWith('\r\n')).toBe(true);
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe(LAYER_COLUMNS.join(','));
    expect(lines).toHaveLength(1 + 2 + 1 + 1); // w8: 2 layers; w4: 1 layer + fc2 excluded
    const l8 = r.variants[0].summary.layers[0];
    expect(lines[1].split(',')).toEqual([
      '8-bit · sym · per-channel',
      'fc1.weight',
      l8.op,
      l8.shape.join('x'),
      String(l8.elements),
      '8',
      'symmetric',
      'channel',
      '',
      l8.container,
      l8.encoding,
      String(l8.bytesBefore),
      String(l8.bytesAfter),
      String(l8.stored.levels),
      String(l8.stored.scales),
      '0',
      String(l8.sqnrDb),
      String(l8.mse),
      String(l8.maxAbsError),
      String(l8.meanAbs),
      'rtn',
      '',
    ]);
    expect(lines[3].startsWith('"4-bit, ""odd"", name",fc1.weight,')).toBe(true);
    const reason = r.variants[1].summary.skipped[0].reason;
    const fc2 = r.variants[1].summary.skipped[0].bytes;
    expect(fc2).toBe(128 * 10 * 4);
    expect(lines[4]).toBe(
      `"4-bit, ""odd"", name",fc2.weight,,,,float,,,,,,${fc2},${fc2},,,,,,,,,${/[",]/.test(reason) ? `"${reason.replace(/"/g, '""')}"` : reason}`,
    );
  });

  it.each([
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'NaN'],
    [12.5, '12.5'],
  ])('a weight SQNR of %s is written %s', async (db, text) => {
    const inp = await input(null);
    const s = inp.variants[0].summary;
    const one = { ...s, layers: [{ ...s.layers[0], sqnrDb: db }], skipped: [] };
    const r = studioReport({ ...inp, variants: [{ ...inp.variants[0], summary: one }] });
    const row = layersCsv(r).split('\r\n')[1].split(',');
    expect(row[LAYER_COLUMNS.indexOf('weight_sqnr_db')]).toBe(text);
  });
});
