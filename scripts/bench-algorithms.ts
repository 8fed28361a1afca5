// RTN vs GPTQ vs AdaRound on the trained fixtures: Hessians from the calibration set, top-1 on the separate
// evaluation set (onnxruntime-node, exported models as written). Prints a Markdown table for docs/algorithms.md.
// Run: npx tsx scripts/bench-algorithms.ts [--models mlp,dwcnn] [--bits 2,3,4] [--methods rtn,gptq,adaround]
//      [--calibration-count 128] [--sequential] [--bias-correction]
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { calibrate } from '../src/cli/calibration';
import { openModelFile } from '../src/cli/files';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig, type Granularity } from '../src/core/quant/config';
import type { RoundingMethod } from '../src/core/gptq/result';
import { npyToFloat32, npyToLabels, parseNpy } from '../src/core/samples/npy';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: 'mlp,dwcnn' },
    bits: { type: 'string', default: '2,3,4' },
    methods: { type: 'string', default: 'rtn,gptq,adaround' },
    granularities: { type: 'string', default: 'channel,tensor' },
    'calibration-count': { type: 'string', default: '128' },
    // Sequential capture: per config, each layer's Hessian from the model with the earlier layers quantized.
    sequential: { type: 'boolean', default: false },
    // Also run every config with empirical bias correction (rows "method+bc").
    'bias-correction': { type: 'boolean', default: false },
  },
});
const list = (s: string) => s.split(',').filter(Boolean);
const dir = (m: string, p = '') => resolve('test/fixtures/models', m, p);
const npy = (m: string, p: string) => parseNpy(new Uint8Array(readFileSync(dir(m, p))), p);

async function top1(bytes: Uint8Array, x: Float32Array, labels: Int32Array): Promise<number> {
  const s = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const n = labels.length;
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, [n, 1, 28, 28]) });
  const logits = out[s.outputNames[0]].data as Float32Array;
  await s.release();
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === labels[i]) correct++;
  }
  return (100 * correct) / n;
}

const count = Number(values['calibration-count']);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)}`,
);
console.log(`calibration: first ${count} images of calibration/; accuracy: all of eval/ (kept apart)\n`);
const seq = values.sequential!;
console.log(
  `capture: ${seq ? 'sequential (quantized prefix), per config' : 'float activations, once per model'}\n`,
);
console.log(
  '| model | grid | bits | float | method | top-1 % | Δ vs float | capture s | solve s | layers kept RTN |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
for (const m of list(values.models!)) {
  const model = await openModelFile(dir(m, 'model.onnx'));
  const x = npyToFloat32(npy(m, 'eval/inputs.npy'));
  const labels = npyToLabels(npy(m, 'eval/labels.npy'));
  const float = await top1(new Uint8Array(readFileSync(dir(m, 'model.onnx'))), x, labels);
  // One float capture serves every config: Hessians depend on the activations only.
  const cal = await calibrate(
    model,
    normalizeConfig({ method: 'gptq' }),
    dir(m, 'calibration'),
    count,
    () => {},
  );
  console.error(`${m}: ${cal.notes[0]}; capture ${(cal.stats.ms / 1000).toFixed(1)} s`);
  for (const granularity of list(values.granularities!) as Granularity[]) {
    for (const bits of list(values.bits!).map(Number)) {
      for (const [method, biasCorrection] of (list(values.methods!) as RoundingMethod[]).flatMap((me) =>
        values['bias-correction']
          ? ([
              [me, false],
              [me, true],
            ] as const)
          : ([[me, false]] as const),
      )) {
        const config = normalizeConfig({ bits, granularity, method, biasCorrection });
        const own =
          seq && method !== 'rtn'
            ? await calibrate(model, config, dir(m, 'calibration'), count, () => {}, true)
            : null;
        const capture = method === 'rtn' && !biasCorrection ? 0 : (own ?? cal).stats.ms / 1000;
        const used = (own ?? cal).calibration;
        const { bytes, summary } = await runQuantization(model, config, 'bench', {}, {}, used);
        const acc = await top1(bytes, x, labels);
        const solve = summary.layers.reduce((s, l) => s + (l.rounding?.ms ?? 0), 0) / 1000;
        const kept = summary.layers.filter(
          (l) => l.rounding && l.rounding.used !== l.rounding.requested,
        ).length;
        console.log(
          `| ${m} | ${granularity} | ${bits} | ${float.toFixed(1)} | ${method}${biasCorrection ? '+bc' : ''} | ${acc.toFixed(1)} | ${(acc - float).toFixed(1)} | ${capture.toFixed(1)} | ${solve.toFixed(1)} | ${method === 'rtn' ? '–' : `${kept}/${summary.layers.length}`} |`,
        );
      }
    }
  }
}
