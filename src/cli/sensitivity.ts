// `qstudio sensitivity`: each layer quantized alone on calibration samples (or the synthetic probe), through the
// evaluate worker's API on onnxruntime-web's wasm build in Node — the studio's runtime and code path, so the
// numbers match it, and no native dependency (as `evaluate`).
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { normalizeConfig } from '../core/quant/config';
import type { SensitivityProgress, SensitivityReport } from '../protocol/eval-dto';
import { createEvaluateApi } from '../workers/evaluate.api';
import { sampleFiles } from './evaluate';
import { openModelFile } from './files';
import { formatSensitivity } from './format-sensitivity';
import { SensitivityUsageError } from './sensitivity-usage';

export async function sensitivityCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      calibration: { type: 'string' },
      'calibration-count': { type: 'string' },
      bits: { type: 'string', short: 'b' },
      granularity: { type: 'string', short: 'g' },
      'block-size': { type: 'string' },
      scheme: { type: 'string' },
      clip: { type: 'string' },
      'clip-percentile': { type: 'string' },
      'include-gather': { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1) {
    throw new SensitivityUsageError(`expected one model file, got ${positionals.length}`);
  }
  const countText = values['calibration-count'];
  const count = countText === undefined ? 64 : Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new SensitivityUsageError(`--calibration-count must be a positive integer, got "${countText}"`);
  }
  if (countText !== undefined && values.calibration === undefined) {
    throw new SensitivityUsageError('--calibration-count needs --calibration');
  }
  // normalizeConfig gives a one-line QuantConfigError for bad values (exit 1).
  const config = normalizeConfig({
    bits: values.bits ?? 4,
    ...(values.granularity !== undefined ? { granularity: values.granularity } : {}),
    ...(values['block-size'] !== undefined ? { blockSize: Number(values['block-size']) } : {}),
    ...(values.scheme !== undefined ? { scheme: values.scheme } : {}),
    ...(values.clip !== undefined ? { clip: values.clip } : {}),
    ...(values['clip-percentile'] !== undefined ? { clipPercentile: values['clip-percentile'] } : {}),
    includeGather: Boolean(values['include-gather']),
  });
  const modelPath = positionals[0];
  const model = await openModelFile(modelPath); // clear errors for a bad file or missing external data
  const { openAsBlob } = await import('node:fs');
  const float = {
    blob: await openAsBlob(modelPath),
    label: basename(modelPath),
    externalData: [...model.externalFiles].map(([path, blob]) => ({ path, blob: blob as Blob })),
  };
  ort.env.wasm.numThreads = 1;
  const api = createEvaluateApi(ort, { pause: () => Promise.resolve() });
  if (values.calibration !== undefined) await api.loadSamples(await sampleFiles(values.calibration));
  // A terminal gets one updating line; a log gets one line per measured model.
  const tty = Boolean(process.stderr.isTTY);
  let shown = false;
  const progress = (p: SensitivityProgress) => {
    const what = p.layer === null ? 'float model' : `layer ${p.done}/${p.total} ${p.layer}`;
    if (tty) {
      shown = true;
      process.stderr.write(`\rsensitivity: ${what}, ${p.sample}/${p.samples} samples`.padEnd(80));
    } else if (p.sample === p.samples) {
      process.stderr.write(`sensitivity: ${what} done\n`);
    }
  };
  let report: SensitivityReport;
  try {
    report = await api.sensitivity(
      {
        float,
        config,
        source: values.calibration !== undefined ? 'samples' : 'synthetic',
        preprocess: null,
        maxSamples: values.calibration !== undefined ? count : undefined,
      },
      progress,
    );
  } finally {
    if (shown) process.stderr.write('\n');
  }
  console.log(values.json ? JSON.stringify(report, jsonNumbers, 2) : formatSensitivity(report, float.label));
  return 0;
}

/** JSON has no ±Infinity: write them as strings ("Infinity") rather than the null JSON.stringify would give. */
const jsonNumbers = (_key: string, v: unknown) =>
  typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? String(v) : v;
