import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isStudioError, StudioError } from '../core/errors';
import type { QuantConfig } from '../core/quant/config';
import type { OnnxModel } from '../core/onnx/types';
import { EVALUATE_USAGE, EvaluateUsageError } from './evaluate-usage';
import { SENSITIVITY_USAGE, SensitivityUsageError } from './sensitivity-usage';
import { budgetOf, RANGE_USAGE, rangeFlags, rangeOptions } from './ranges';
import { STUDIO_VERSION } from '../core/version';
import { jsonNumbers } from '../core/report/json';

// Each command imports what it needs when it runs, so `qstudio --help` loads none of the core (start-up time).

const USAGE = `Usage:
  qstudio inspect <model.onnx> [--json]
  qstudio quantize <model.onnx> -o <out.onnx> [--bits 2..8|fp16] [--granularity channel|tensor|block]
                   [--block-size 16|32|64|128|256] [--scheme symmetric|asymmetric] [--format auto|qdq|matmulnbits]
                   [--exclude NAME ...] [--include-gather] [--keep-doc-strings] [--external-data]
                   ${RANGE_USAGE}
                   [--recipe recipe.json] [--save-recipe out.json] [--json]
                   [--method rtn|gptq|adaround] [--bias-correction]
                   [--calibration FILE|FOLDER [--calibration-count N (default 128)] [--sequential]]
                   [--threads N (default: one per core for models from 32 MiB, else 1)]
${EVALUATE_USAGE}
${SENSITIVITY_USAGE}

External data files are read from the model's folder. --external-data writes <out.onnx> + <out.onnx>_data
(automatic when the output would pass protobuf's 2 GiB limit). Exit codes: 0 ok, 1 bad input, 2 bad usage.
qstudio --version prints the version.`;

class UsageError extends Error {}
/** Bad input found by the CLI itself (a path), reported like a StudioError: one line, exit 1. */
class CliInputError extends Error {}

const wantsHelp = (args: string[]) => args.includes('--help') || args.includes('-h');

/** Before the work: a missing output folder is a one-line error, not a raw ENOENT once the model is quantized. */
async function checkOutputFolder(path: string, what: string): Promise<void> {
  const dir = dirname(resolve(path));
  const st = await stat(dir).catch(() => null);
  if (!st) throw new CliInputError(`cannot write ${what} ${path}: the folder ${dir} does not exist`);
  if (!st.isDirectory()) throw new CliInputError(`cannot write ${what} ${path}: ${dir} is not a folder`);
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv.filter((a) => a !== '--debug');
    const commands = ['inspect', 'quantize', 'evaluate', 'sensitivity'];
    if (commands.includes(command) && wantsHelp(rest)) {
      console.log(USAGE);
      return 0;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      console.log(`qstudio ${STUDIO_VERSION}`);
      return 0;
    }
    if (command === 'inspect') return await inspect(rest);
    if (command === 'quantize') return await quantize(rest);
    if (command === 'evaluate') return await (await import('./evaluate')).evaluateCommand(rest);
    if (command === 'sensitivity') {
      return await (await import('./sensitivity')).sensitivityCommand(rest);
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    }
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (
      e instanceof UsageError ||
      e instanceof EvaluateUsageError ||
      e instanceof SensitivityUsageError ||
      (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`qstudio: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (
      isStudioError(e) ||
      e instanceof CliInputError ||
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
  const [{ openModelFile }, { findWeights, summarizeModel }, { formatInspect }] = await Promise.all([
    import('./files'),
    import('../core/onnx'),
    import('./format'),
  ]);
  const model = await openModelFile(oneModel(positionals));
  const summary = summarizeModel(model, findWeights(model, { includeGather: true }));
  if (summary.quantizedWeights.length) {
    // Already quantized: each integer weight with the histogram (JSON) or range (text) of its dequantized values.
    const { quantizedWeightReports, formatQuantizedWeights } = await import('./inspect-quantized');
    const reports = await quantizedWeightReports(model);
    console.log(
      values.json
        ? JSON.stringify({ ...summary, quantizedWeights: reports }, jsonNumbers, 2)
        : formatInspect(summary) + formatQuantizedWeights(reports),
    );
    return 0;
  }
  console.log(values.json ? JSON.stringify(summary, jsonNumbers, 2) : formatInspect(summary));
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
      'external-data': { type: 'boolean' },
      recipe: { type: 'string' },
      'save-recipe': { type: 'string' },
      json: { type: 'boolean' },
      ...rangeOptions,
      method: { type: 'string' },
      calibration: { type: 'string' },
      'calibration-count': { type: 'string' },
      sequential: { type: 'boolean' },
      'bias-correction': { type: 'boolean' },
      threads: { type: 'string' },
    },
  });
  const modelPath = oneModel(positionals);
  const threads = values.threads === undefined ? null : Number(values.threads);
  if (threads !== null && !(Number.isInteger(threads) && threads >= 1))
    throw new UsageError(`--threads must be a positive integer, got "${values.threads}"`);
  if (!values.output) throw new UsageError('missing -o <out.onnx>');
  await checkOutputFolder(values.output, 'the model to');
  if (values['save-recipe']) await checkOutputFolder(values['save-recipe'], 'the recipe to');
  const [
    { openModelFileWithInputs, checkOutputPaths, dataFileName },
    { spillFor },
    { findWeights },
    { runQuantization },
  ] = await Promise.all([
    import('./files'),
    import('./write-export'),
    import('../core/onnx'),
    import('../core/pipeline/run'),
  ]);
  const { runThreaded, modelBytes } = await import('./threads');
  const config = await buildConfig(values);
  const { model, inputs } = await openModelFileWithInputs(modelPath);
  const { resolve, dirname } = await import('node:path');
  // Everything quantize writes: the model, its data file (external-data output) and the recipe, if asked.
  const outputs = [
    values.output,
    resolve(dirname(values.output), dataFileName(values.output)),
    ...(values['save-recipe'] ? [values['save-recipe']] : []),
  ];
  await checkOutputPaths(outputs, inputs);
  const unknown = (values.exclude ?? []).filter(
    (n) => !findWeights(model, { includeGather: true }).some((w) => w.name === n),
  );
  if (unknown.length)
    throw new StudioError('QuantConfigError', `--exclude: no weight named ${unknown.join(', ')}`);
  const output = {
    externalData: values['external-data'] ? ('always' as const) : ('auto' as const),
    dataLocation: dataFileName(values.output),
  };
  const budget = budgetOf(values);
  // Data-aware rounding (GPTQ / AdaRound): Hessians from calibration samples first (src/cli/calibration.ts).
  const cal = await calibrationFor(model, config, values, budget !== null);
  // A budget with --calibration: each layer's loss measured alone at every candidate width (src/cli/budget.ts).
  const measured =
    budget && typeof values.calibration === 'string'
      ? await (await import('./budget')).measuredBudgetLoss(modelPath, model, config, values)
      : null;
  const budgeted = budget
    ? await (
        await import('../core/mixed/run')
      ).runWithBudget(model, config, budget, 'cli', {
        output,
        calibration: cal?.calibration,
        measured: measured?.loss,
        measuredOn: measured?.on,
        refine: measured?.refine,
      })
    : null;
  // Large models: quantized tensors go to a file next to the output as they are made (see SpillFile).
  const spill = budgeted ? null : await spillFor(values.output, modelBytes(model));
  try {
    const result =
      budgeted ??
      (await runThreaded(threads, modelBytes(model), (hooks) =>
        runQuantization(model, config, 'cli', { ...hooks, spill: spill?.spill }, output, cal?.calibration),
      ));
    const { writeQuantizeOutputs } = await import('./quantize-output');
    return await writeQuantizeOutputs(
      model,
      result,
      { assignment: budgeted?.assignment, calibration: cal },
      { modelPath, output: values.output, saveRecipe: values['save-recipe'], json: values.json },
      spill,
    );
  } finally {
    await spill?.discard();
  }
}

async function buildConfig(
  values: Record<string, string | boolean | string[] | undefined>,
): Promise<QuantConfig> {
  const { defaultQuantConfig, normalizeConfig } = await import('../core/quant/config');
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
  Object.assign(flags, rangeFlags(values));
  if (values.method !== undefined) flags.method = values.method;
  if (values['bias-correction']) flags.biasCorrection = true;
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
  budget: boolean,
) {
  const path = values.calibration as string | undefined;
  const countText = values['calibration-count'] as string | undefined;
  const { needsCalibration } = await import('../core/pipeline/method');
  if (countText !== undefined && !(Number.isInteger(Number(countText)) && Number(countText) >= 1))
    throw new UsageError(`--calibration-count must be a positive integer, got "${countText}"`);
  if (!needsCalibration(config)) {
    // With a budget, the samples measure sensitivity for it (src/cli/budget.ts); --sequential needs a method.
    if (values.sequential || (!budget && (path !== undefined || countText !== undefined)))
      throw new UsageError(
        '--calibration is used by --method gptq|adaround and --bias-correction only, or with --target-bits/--target-size to measure sensitivity (this run rounds to nearest)',
      );
    return null;
  }
  if (path === undefined)
    throw new UsageError(
      `${config.method !== 'rtn' ? `--method ${config.method}` : '--bias-correction'} needs --calibration FILE|FOLDER (samples to capture activations from)`,
    );
  const count = countText === undefined ? 128 : Number(countText);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--calibration-count must be a positive integer, got "${countText}"`);
  let shown = false; // end the \r progress line only if one was written
  const sequential = Boolean(values.sequential);
  const { calibrate } = await import('./calibration');
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
