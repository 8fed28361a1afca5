// AdaRound per-layer speed, full H vs its low-rank factor (options `lowRank`, `rankTolerance`), in one process: ratios are the
// measurement (other jobs share the cores). Two sources of layers:
// - synthetic (default): one Gemm layer like bench-gptq-speed.ts, seeded uniform weights, H = XᵀX from `samples`
//   uniform vectors (rank ≤ samples);
// - --model DIR: every quantizable weight of DIR/model.onnx with Hessians captured from DIR/calibration or DIR/calibration.npz (as the CLI's
//   --calibration), e.g. test/fixtures/models/mlp.
// Run: npx tsx scripts/bench-adaround-speed.ts [--rows 128] [--cols 1024] [--samples 128] [--model DIR]
//      [--bits 4] [--clip minmax|mse] [--iterations 300] [--variants 1e-4,full]
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate } from '../src/cli/calibration';
import { adaroundQuantize, type LayerHessians } from '../src/core/gptq';
import { pivotedCholesky } from '../src/core/gptq/lowrank';
import { findWeights, parseModel, readWeight } from '../src/core/onnx';
import { kernelOptions } from '../src/core/pipeline/weight';
import { normalizeConfig, specFor } from '../src/core/quant/config';
import type { QuantizeOptions } from '../src/core/quant/quantize';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '128' },
    cols: { type: 'string', default: '1024' },
    samples: { type: 'string', default: '128' },
    model: { type: 'string' },
    bits: { type: 'string', default: '4' },
    clip: { type: 'string', default: 'minmax' },
    iterations: { type: 'string', default: '300' },
    /** AdaRound variants, in order: `full` (lowRank false) or a rankTolerance for the low-rank factor. */
    variants: { type: 'string', default: '1e-4,full' },
  },
});
const iterations = Number(values.iterations);
const bits = Number(values.bits);

interface Layer {
  name: string;
  values: Float32Array;
  shape: number[];
  opts: QuantizeOptions;
  layer: LayerHessians;
}

async function modelLayers(dir: string): Promise<Layer[]> {
  const model = parseModel(new Uint8Array(readFileSync(join(dir, 'model.onnx'))), 'model.onnx');
  const config = normalizeConfig({ bits, method: 'adaround', clip: values.clip });
  const t = performance.now();
  const folder = join(dir, 'calibration');
  const res = await calibrate(model, config, existsSync(folder) ? folder : `${folder}.npz`, 256, () => {});
  console.log(`capture ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const out: Layer[] = [];
  for (const w of findWeights(model)) {
    const layer = res.calibration.hessians.get(w.name);
    const spec = specFor(config, w.name);
    if (!layer || !spec || spec.bits === 'fp16') continue;
    const v = await readWeight(model, w);
    out.push({ name: w.name, values: v, shape: w.shape, opts: kernelOptions(v, w, spec.bits, spec), layer });
  }
  return out;
}

function syntheticLayer(): Layer {
  const [rows, cols, samples] = [values.rows, values.cols, values.samples].map(Number);
  let seed = 1;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  const w = Float32Array.from({ length: rows * cols }, () => rnd() * (2 / Math.sqrt(cols)));
  const x = Float64Array.from({ length: samples * cols }, () => rnd() + 0.5);
  const h = new Float64Array(cols * cols);
  for (let s = 0; s < samples; s++)
    for (let a = 0; a < cols; a++) {
      const xa = x[s * cols + a];
      for (let b = 0; b < cols; b++) h[a * cols + b] += xa * x[s * cols + b];
    }
  const opts = {
    bits: bits as 4,
    granularity: 'channel' as const,
    scheme: 'symmetric' as const,
    blockSize: 32 as const,
    channelAxis: 0,
    reductionAxis: 1,
  };
  return {
    name: `synthetic ${rows}×${cols}, ${samples} samples`,
    values: w,
    shape: [rows, cols],
    opts,
    layer: { hessians: [h] },
  };
}

const layers = values.model ? await modelLayers(values.model) : [syntheticLayer()];
console.log(`load average ${loadavg()[0].toFixed(1)}; int${bits}, clip ${values.clip}, ${iterations} steps`);
const variants = values.variants.split(',');
/** The factor's rank(s) AdaRound would use (it steps through the full H when k ≥ cols / 3). */
const rank = (l: Layer, variant: string) => {
  if (variant === 'full') return '';
  const n = Math.sqrt(l.layer.hessians[0].length);
  const ks = l.layer.hessians.map((h) => pivotedCholesky(h, n, Number(variant), Math.floor(n / 3)).k);
  return ks.every((k) => k < Math.floor(n / 3)) ? ` (k ${ks.join(',')} of ${n})` : ' (full: k ≥ cols/3)';
};
const totals = new Map<string, number>();
for (const l of layers) {
  for (const variant of variants) {
    const o = variant === 'full' ? { lowRank: false } : { rankTolerance: Number(variant) };
    const t = performance.now();
    const res = adaroundQuantize(l.values, l.shape, l.opts, l.layer, { iterations, ...o });
    const s = (performance.now() - t) / 1000;
    totals.set(variant, (totals.get(variant) ?? 0) + s);
    console.log(
      `${l.name} [${l.shape.join('×')}] ${variant}${rank(l, variant)}: ${s.toFixed(1)} s, ${res.iterations} steps, error/RTN ${(res.error / res.rtnError).toFixed(4)} (${res.method})`,
    );
  }
}
console.log(
  `solve total: ${variants.map((v) => `${v} ${totals.get(v)!.toFixed(1)} s (×${(totals.get(variants[variants.length - 1])! / totals.get(v)!).toFixed(2)} vs ${variants[variants.length - 1]})`).join(', ')}`,
);
