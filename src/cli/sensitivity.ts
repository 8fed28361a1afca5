// `qstudio sensitivity`: each layer quantized alone on calibration samples (or the synthetic probe), through the
// evaluate worker's API on onnxruntime-web's wasm build in Node — the studio's runtime and code path, so the
// numbers match it, and no native dependency (as `evaluate`).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { StudioError } from '../core/errors';
import { defaultQuantConfig, normalizeConfig } from '../core/quant/config';
import type { LayerSelection } from '../protocol/eval-dto';
import { openModelFile } from './files';
import { formatSensitivity } from './format-sensitivity';
import { measureSensitivityCli } from './measure';
import { SensitivityUsageError } from './sensitivity-usage';
import { jsonNumbers } from '../core/report/json';

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
      equalize: { type: 'boolean' },
      recipe: { type: 'string' },
      layers: { type: 'string' },
      'group-by': { type: 'string' },
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
  const selection = selectionOf(values.layers, values['group-by']);
  // A recipe's per-layer settings (scheme, granularity, clip) are honoured; its widths are not: every layer is
  // measured at --bits. normalizeConfig gives a one-line QuantConfigError for bad values (exit 1).
  const base: object =
    values.recipe !== undefined ? ((await readRecipe(values.recipe)) as object) : defaultQuantConfig;
  const config = normalizeConfig({
    ...base,
    bits: values.bits ?? 4,
    ...(values.granularity !== undefined ? { granularity: values.granularity } : {}),
    ...(values['block-size'] !== undefined ? { blockSize: Number(values['block-size']) } : {}),
    ...(values.scheme !== undefined ? { scheme: values.scheme } : {}),
    ...(values.clip !== undefined ? { clip: values.clip } : {}),
    ...(values['clip-percentile'] !== undefined ? { clipPercentile: values['clip-percentile'] } : {}),
    ...(values.equalize ? { equalize: true } : {}),
    ...(values['include-gather'] ? { includeGather: true } : {}),
  });
  const modelPath = positionals[0];
  const model = await openModelFile(modelPath); // clear errors for a bad file or missing external data
  const [report] = await measureSensitivityCli(modelPath, model, [config], {
    calibration: values.calibration,
    count,
    selection,
  });
  console.log(
    values.json ? JSON.stringify(report, jsonNumbers, 2) : formatSensitivity(report, basename(modelPath)),
  );
  return 0;
}

/** `--layers N` (an even sample of N layers) or `--group-by block` (one model per block); not both. */
export function selectionOf(
  layers: string | undefined,
  groupBy: string | undefined,
): LayerSelection | undefined {
  if (layers !== undefined && groupBy !== undefined) {
    throw new SensitivityUsageError('give --layers N or --group-by block, not both');
  }
  if (groupBy !== undefined) {
    if (groupBy !== 'block') throw new SensitivityUsageError(`--group-by takes "block", got "${groupBy}"`);
    return { groupBy: 'block' };
  }
  if (layers === undefined) return undefined;
  const n = Number(layers);
  if (!Number.isInteger(n) || n < 1) {
    throw new SensitivityUsageError(`--layers must be a positive integer, got "${layers}"`);
  }
  return { sample: n };
}

async function readRecipe(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8').catch(() => {
    throw new StudioError('QuantConfigError', `--recipe ${path}: cannot read the file`);
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new StudioError('QuantConfigError', `recipe ${path} is not valid JSON (${(e as Error).message})`);
  }
}
