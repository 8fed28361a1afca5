import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isStudioError, StudioError } from '../core/errors';
import { findWeights, summarizeModel } from '../core/onnx';
import { defaultQuantConfig, normalizeConfig, toRecipe, type QuantConfig } from '../core/quant/config';
import { runQuantization } from '../core/pipeline/run';
import { needsCalibration } from '../core/pipeline/method';
import type { OnnxModel } from '../core/onnx/types';
import type { CaptureStats } from '../core/gptq/capture';
import { calibrate } from './calibration';
import { openModelFile } from './files';
import { formatInspect, formatRun } from './format';

const USAGE = `Usage:
  qstudio inspect <model.onnx> [--json]
  qstudio quantize <model.onnx> -o <out.onnx> [--bits 2..8|fp16] [--granularity channel|tensor|block]
                   [--block-size 16|32|64|128|256] [--scheme symmetric|asymmetric] [--format auto|qdq|matmulnbits]
                   [--exclude NAME ...] [--include-gather] [--keep-doc-strings]
                   [--recipe recipe.json] [--save-recipe out.json] [--json]
                   [--method rtn|gptq|adaround --calibration FILE|FOLDER [--calibration-count N (default 128)] [--sequential]]

External data files are read from the model's folder. Exit codes: 0 ok, 1 bad input, 2 bad usage.`;

class UsageError extends Error {}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv.filter((a) => a !== '--debug');
    if (command === 'inspect') return await inspect(rest);
    if (command === 'quantize') return await quantize(rest);
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (
      e instanceof UsageError ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`qstudio: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (
      isStudioError(e) ||
      (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('E'))
    ) {
      console.error(`qstudio: ${(e as Error).message}`);
      if (debug) console.error((e as Error).stack);
      return 1;
    }
    console.error(
      `qstudio: internal error: ${e instanceof Error ? e.message : String(e)} (run with --debug for details)`,
    );
    if (debug && e instanceof Error) console.error(e.stack);
    return 70;
  }
}

function oneModel(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError(`expected one model file, got ${positionals.length}`);
  return positionals[0];
}

async function inspect(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { json: { type: 'boolean' } },
  });
  const model = await openModelFile(oneModel(positionals));
  const summary = summarizeModel(model, findWeights(model, { includeGather: true }));
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatInspect(summary));
  return 0;
}

async function quantize(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      bits: { type: 'string', short: 'b' },
      granularity: { type: 'string', short: 'g' },
      'block-size': { type: 'string' },
      scheme: { type: 'string' },
      format: { type: 'string' },
      exclude: { type: 'string', multiple: true },
      'include-gather': { type: 'boolean' },
      'keep-doc-strings': { type: 'boolean' },
      recipe: { type: 'string' },
      'save-recipe': { type: 'string' },
      json: { type: 'boolean' },
      method: { type: 'string' },
      calibration: { type: 'string' },
      'calibration-count': { type: 'string' },
      sequential: { type: 'boolean' },
    },
  });
  const modelPath = oneModel(positionals);
  if (!values.output) throw new UsageError('missing -o <out.onnx>');
  const config = await buildConfig(values);
  const model = await openModelFile(modelPath);
  const unknown = (values.exclude ?? []).filter(
    (n) => !findWeights(model, { includeGather: true }).some((w) => w.name === n),
  );
  if (unknown.length)
    throw new StudioError('QuantConfigError', `--exclude: no weight named ${unknown.join(', ')}`);
  // Data-aware rounding (GPTQ / AdaRound): Hessians from calibration samples first (src/cli/calibration.ts).
  const cal = await calibrationFor(model, config, values);
  const { summary, bytes } = await runQuantization(model, config, 'cli', {}, cal?.calibration);
  if (cal) summary.notes.unshift(...cal.notes, captureLine(cal.stats));
  await writeFile(values.output, bytes);
  if (values['save-recipe'])
    await writeFile(values['save-recipe'], JSON.stringify(toRecipe(config), null, 2) + '\n');
  console.log(values.json ? JSON.stringify(summary, null, 2) : formatRun(summary, values.output));
  return 0;
}

async function buildConfig(
  values: Record<string, string | boolean | string[] | undefined>,
): Promise<QuantConfig> {
  let base: unknown = defaultQuantConfig;
  if (typeof values.recipe === 'string') {
    const text = await readFile(values.recipe, 'utf8');
    try {
      base = JSON.parse(text);
    } catch (e) {
      throw new StudioError(
        'QuantConfigError',
        `recipe ${values.recipe} is not valid JSON (${(e as Error).message})`,
      );
    }
  }
  const cfg = normalizeConfig(base);
  const flags: Record<string, unknown> = {};
  if (values.bits !== undefined) flags.bits = values.bits;
  if (values.granularity !== undefined) flags.granularity = values.granularity;
  if (values['block-size'] !== undefined) flags.blockSize = Number(values['block-size']);
  if (values.scheme !== undefined) flags.scheme = values.scheme;
  if (values.format !== undefined) flags.format = values.format;
  if (values['include-gather']) flags.includeGather = true;
  if (values['keep-doc-strings']) flags.stripDocStrings = false;
  if (values.method !== undefined) flags.method = values.method;
  const layers = { ...cfg.layers };
  for (const name of (values.exclude as string[] | undefined) ?? [])
    layers[name] = { ...layers[name], skip: true };
  return normalizeConfig({ ...cfg, ...flags, layers });
}

/** Checks the calibration flags against the methods asked for, then captures (progress on stderr). */
async function calibrationFor(
  model: OnnxModel,
  config: QuantConfig,
  values: Record<string, string | boolean | string[] | undefined>,
) {
  const path = values.calibration as string | undefined;
  const countText = values['calibration-count'] as string | undefined;
  if (!needsCalibration(config)) {
    if (path !== undefined || countText !== undefined || values.sequential)
      throw new UsageError(
        '--calibration is used by --method gptq|adaround only (this run rounds to nearest)',
      );
    return null;
  }
  if (path === undefined)
    throw new UsageError(
      `--method ${config.method} needs --calibration FILE|FOLDER (samples to capture activations from)`,
    );
  const count = countText === undefined ? 128 : Number(countText);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--calibration-count must be a positive integer, got "${countText}"`);
  let shown = false; // end the \r progress line only if one was written
  const sequential = Boolean(values.sequential);
  return calibrate(
    model,
    config,
    path,
    count,
    (line) => {
      shown = true;
      process.stderr.write(`\r${line}`);
    },
    sequential,
  ).finally(() => shown && process.stderr.write('\n'));
}

const captureLine = (s: CaptureStats) =>
  `capture: ${s.samples} samples in ${s.runs} runs, ${(s.ms / 1000).toFixed(1)} s, Hessians ${(s.bytes / 2 ** 20).toFixed(1)} MiB`;
