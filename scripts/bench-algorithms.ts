// RTN vs GPTQ vs AdaRound: Hessians from calibration samples, top-1 on separate evaluation samples (onnxruntime-node,
// exported models as written). Prints Markdown tables for docs/algorithms.md.
// Models: the committed fixtures (dwcnn, mlp, tinytf) and, when the shared folder is present (QSTUDIO_SHARED_MODELS,
// default /work/wt/shared/models), its labelled models split into calibration and evaluation halves (below).
// Run: npx tsx scripts/bench-algorithms.ts [--models dwcnn,mlp,tinytf,mnist-8,...] [--bits 2,3,4]
//      [--methods rtn,gptq,adaround] [--granularities channel,tensor] [--clips minmax,mse]
//      [--calibration-count 256] [--sequential] [--bias-correction]
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { calibrate } from '../src/cli/calibration';
import { openModelFile } from '../src/cli/files';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig, type ClipMethod, type Granularity } from '../src/core/quant/config';
import type { RoundingMethod } from '../src/core/gptq/result';
import { npyToFloat32, npyToLabels, parseNpy, parseNpz, type NpyArray } from '../src/core/samples/npy';
import { buildNpy } from '../test/fixtures/samples/entries';

const SHARED = process.env.QSTUDIO_SHARED_MODELS ?? '/work/wt/shared/models';
const FIXTURES = ['dwcnn', 'mlp', 'tinytf'];
const SHARED_MODELS = ['mnist-8', 'mnist-onnx-mlir', 'iris-mlp-winml'];

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: [...FIXTURES, ...SHARED_MODELS].join(',') },
    bits: { type: 'string', default: '2,3,4' },
    methods: { type: 'string', default: 'rtn,gptq,adaround' },
    granularities: { type: 'string', default: 'channel' },
    clips: { type: 'string', default: 'minmax' },
    'calibration-count': { type: 'string', default: '256' },
    // Sequential capture: per config, each layer's Hessian from the model with the earlier layers quantized.
    sequential: { type: 'boolean', default: false },
    // Also run every config with empirical bias correction (rows "method+bc").
    'bias-correction': { type: 'boolean', default: false },
  },
});
const list = (s: string) => s.split(',').filter(Boolean);

/** One evaluation input: all samples' values in the input's dtype, and one sample's dims. */
interface EvalInput {
  name: string;
  data: Float32Array | BigInt64Array;
  dims: number[];
}
interface BenchModel {
  name: string;
  model: string;
  /** File or folder handed to `calibrate`, as the CLI's --calibration. */
  calibration: string;
  inputs: EvalInput[];
  labels: Int32Array;
  /** Samples per run: the model's fixed batch, or null for a dynamic batch (all at once). */
  batch: number | null;
  source: string;
}

const fixture = (m: string, p = '') => resolve('test/fixtures/models', m, p);
const npyAt = (path: string) => parseNpy(new Uint8Array(readFileSync(path)), path);
const int64 = (a: NpyArray) => new BigInt64Array(a.data.buffer, a.data.byteOffset, a.data.byteLength / 8);
const tmp = mkdtempSync(join(tmpdir(), 'bench-algorithms-'));

function loadModel(name: string): BenchModel | null {
  if (name === 'tinytf') {
    const z = parseNpz(new Uint8Array(readFileSync(fixture(name, 'eval.npz'))), 'eval.npz');
    return {
      name,
      model: fixture(name, 'model.onnx'),
      calibration: fixture(name, 'calibration.npz'),
      inputs: [z.inputs, ...z.others].map((a) => ({
        name: a.name.slice(a.name.lastIndexOf(':') + 1, -4),
        data: int64(a),
        dims: a.shape.slice(1),
      })),
      labels: npyToLabels(z.labels!),
      batch: null,
      source: 'calibration.npz (256) / eval.npz (1,000)',
    };
  }
  if (FIXTURES.includes(name)) {
    return {
      name,
      model: fixture(name, 'model.onnx'),
      calibration: fixture(name, 'calibration'),
      inputs: [{ name: '', data: npyToFloat32(npyAt(fixture(name, 'eval/inputs.npy'))), dims: [1, 28, 28] }],
      labels: npyToLabels(npyAt(fixture(name, 'eval/labels.npy'))),
      batch: null,
      source: 'calibration/ (256) / eval/ (1,000)',
    };
  }
  // Shared models: samples/ holds one labelled set; every 4th sample (every 3rd for Iris's 150) calibrates, the
  // others evaluate. The calibration part is written to a temporary .npy for `calibrate`.
  const dir = join(SHARED, name);
  if (!existsSync(join(dir, 'samples/inputs.npy'))) return null;
  const x = npyToFloat32(npyAt(join(dir, 'samples/inputs.npy')));
  const y = npyToLabels(npyAt(join(dir, 'samples/labels.npy')));
  const every = y.length <= 150 ? 3 : 4;
  const size = x.length / y.length;
  const dims = name === 'iris-mlp-winml' ? [4] : [1, 28, 28];
  const pick = (cal: boolean) => [...y.keys()].filter((i) => (i % every === 0) === cal);
  const gather = (idx: number[]) => {
    const out = new Float32Array(idx.length * size);
    idx.forEach((i, k) => out.set(x.subarray(i * size, (i + 1) * size), k * size));
    return out;
  };
  const cal = pick(true);
  const ev = pick(false);
  const calPath = join(tmp, `${name}-calibration.npy`);
  const calData = gather(cal);
  writeFileSync(
    calPath,
    buildNpy('<f4', [cal.length, ...dims], new Uint8Array(calData.buffer, 0, calData.byteLength)),
  );
  return {
    name,
    model: join(dir, 'model.onnx'),
    calibration: calPath,
    inputs: [{ name: '', data: gather(ev), dims }],
    labels: Int32Array.from(ev, (i) => y[i]),
    batch: name === 'iris-mlp-winml' ? null : 1,
    source: `shared samples/: every ${every === 3 ? '3rd' : '4th'} sample calibrates (${cal.length}), the other ${ev.length} evaluate`,
  };
}

async function top1(bytes: Uint8Array, m: BenchModel): Promise<number> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const n = m.labels.length;
  const per = m.batch ?? n;
  let correct = 0;
  for (let i0 = 0; i0 < n; i0 += per) {
    const k = Math.min(per, n - i0);
    const feeds: Record<string, ort.Tensor> = {};
    m.inputs.forEach((inp, j) => {
      const size = inp.dims.reduce((a, b) => a * b, 1);
      const data = inp.data.subarray(i0 * size, (i0 + k) * size);
      const key = inp.name || s.inputNames[j];
      feeds[key] =
        data instanceof BigInt64Array
          ? new ort.Tensor('int64', data, [k, ...inp.dims])
          : new ort.Tensor('float32', data, [k, ...inp.dims]);
    });
    const out = await s.run(feeds);
    const logits = out[s.outputNames[0]].data as Float32Array;
    const c = logits.length / k;
    for (let i = 0; i < k; i++) {
      const row = logits.subarray(i * c, (i + 1) * c);
      if (row.indexOf(Math.max(...row)) === m.labels[i0 + i]) correct++;
    }
  }
  await s.release();
  return (100 * correct) / n;
}

const count = Number(values['calibration-count']);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`,
);
const seq = values.sequential!;
console.log(
  `calibration: up to ${count} samples; capture: ${seq ? 'sequential (quantized prefix), per config' : 'float activations, once per model'}\n`,
);
console.log(
  '| model | grid | clip | bits | float | method | top-1 % | Δ vs float | capture s | solve s | layers kept RTN |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const name of list(values.models!)) {
  const m = loadModel(name);
  if (!m) {
    console.error(`${name}: not found under ${SHARED} (shared models are optional): skipped`);
    continue;
  }
  const model = await openModelFile(m.model);
  const float = await top1(new Uint8Array(readFileSync(m.model)), m);
  // One float capture serves every config: Hessians depend on the activations only.
  const cal = await calibrate(model, normalizeConfig({ method: 'gptq' }), m.calibration, count, () => {});
  console.error(
    `${name}: ${m.source}; ${cal.notes[0]}; capture ${(cal.stats.ms / 1000).toFixed(1)} s, ${(cal.stats.bytes / 2 ** 20).toFixed(1)} MiB`,
  );
  for (const granularity of list(values.granularities!) as Granularity[]) {
    for (const clip of list(values.clips!) as ClipMethod[]) {
      for (const bits of list(values.bits!).map(Number)) {
        for (const method of list(values.methods!) as RoundingMethod[]) {
          for (const biasCorrection of values['bias-correction'] ? [false, true] : [false]) {
            const config = normalizeConfig({ bits, granularity, clip, method, biasCorrection });
            const data = method !== 'rtn' || biasCorrection;
            const own =
              seq && data ? await calibrate(model, config, m.calibration, count, () => {}, true) : null;
            const capture = data ? (own ?? cal).stats.ms / 1000 : 0;
            const used = data ? (own ?? cal).calibration : undefined;
            const { bytes, summary } = await runQuantization(model, config, 'bench', {}, {}, used);
            const acc = await top1(bytes, m);
            const solve = summary.layers.reduce((s, l) => s + (l.rounding?.ms ?? 0), 0) / 1000;
            const rounded = summary.layers.filter((l) => l.rounding);
            const kept = rounded.filter((l) => l.rounding!.used !== l.rounding!.requested).length;
            console.log(
              `| ${name} | ${granularity} | ${clip} | ${bits} | ${float.toFixed(1)} | ${method}${biasCorrection ? '+bc' : ''} | ${acc.toFixed(1)} | ${(acc - float).toFixed(1)} | ${capture.toFixed(1)} | ${solve.toFixed(1)} | ${method === 'rtn' ? '–' : `${kept}/${rounded.length}`} |`,
            );
          }
        }
      }
    }
  }
}
