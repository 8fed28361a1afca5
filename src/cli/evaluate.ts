// `qstudio evaluate`: the float model and quantized files on a sample set (or the synthetic probe), with
// onnxruntime-web's wasm build in Node — the same runtime and evaluator as the studio, so the numbers match it, and
// no native dependency (onnxruntime-node stays a devDependency for the export tests).
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { StudioError } from '../core/errors';
import { modesOf, type EvalModeRequest, type EvalReport } from '../protocol/eval-dto';
import type { EvalRequest, SampleFile } from '../protocol/eval-dto';
import { createEvaluateApi } from '../workers/evaluate.api';
import { formatEvaluation } from './format-evaluate';
import { EvaluateUsageError } from './evaluate-usage';
import { openFileBlob, type FileBlob } from './file-blob';
import { jsonNumbers } from '../core/report/json';

export { EVALUATE_USAGE, EvaluateUsageError } from './evaluate-usage';

async function fileOrNull(path: string) {
  return stat(path).catch(() => null);
}

/** A file, or every file under a folder with paths `<folder>/<relative>` (as a browser folder drop gives them). */
export async function sampleFiles(path: string): Promise<SampleFile[]> {
  const info = await fileOrNull(path);
  if (!info) throw new StudioError('SampleSetError', `cannot read ${path}: no such file or folder`);
  if (info.isFile()) return [{ path: basename(path), blob: await openFileBlob(path) }];
  const entries = await readdir(path, { recursive: true, withFileTypes: true });
  const files = entries.filter((d) => d.isFile());
  return Promise.all(
    files.map(async (d) => {
      const abs = join(d.parentPath, d.name);
      return {
        path: [basename(path), ...relative(path, abs).split(sep)].join('/'),
        blob: await openFileBlob(abs),
      };
    }),
  );
}

async function modelBlob(path: string): Promise<FileBlob> {
  const info = await fileOrNull(path);
  if (!info?.isFile()) throw new StudioError('OnnxParseError', `cannot read ${path}: no such file`);
  return openFileBlob(path);
}

export async function evaluateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      samples: { type: 'string', short: 's' },
      variant: { type: 'string', multiple: true },
      mode: { type: 'string' },
      'max-samples': { type: 'string' },
      'iou-threshold': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  if (positionals.length !== 1)
    throw new EvaluateUsageError(`expected one model file, got ${positionals.length}`);
  const mode = (values.mode ?? 'exact') as EvalModeRequest;
  if (!['exact', 'deployed', 'both'].includes(mode))
    throw new EvaluateUsageError(`--mode must be exact, deployed or both, got "${mode}"`);
  const number = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new EvaluateUsageError(`--${flag} must be a number, got "${v}"`);
    return n;
  };
  const modelPath = positionals[0];
  const variants = values.variant ?? [];
  const request: EvalRequest = {
    float: { blob: await modelBlob(modelPath), label: basename(modelPath) },
    variants: await Promise.all(
      variants.map(async (p, i) => ({ id: `v${i + 1}`, label: basename(p), blob: await modelBlob(p) })),
    ),
    preprocess: null,
    mode,
    maxSamples: number('max-samples', values['max-samples']),
    iouThreshold: number('iou-threshold', values['iou-threshold']),
  };
  ort.env.wasm.numThreads = 1;
  const api = createEvaluateApi(ort, { pause: () => Promise.resolve() });
  let report: EvalReport;
  if (values.samples) {
    await api.loadSamples(await sampleFiles(values.samples));
    report = await api.evaluate(request);
  } else {
    report = await api.probe(request);
  }
  console.log(values.json ? JSON.stringify(report, jsonNumbers, 2) : formatEvaluation(report, modesOf(mode)));
  return 0;
}
