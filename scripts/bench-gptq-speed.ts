// GPTQ speed on a synthetic model of a few million parameters (issue 11's "under a minute on 2 cores"): the CLI's
// own path (calibrate with onnxruntime-web wasm in Node, then runQuantization), capture and solve timed separately.
// Weights and calibration inputs are synthetic (seeded uniform noise): this measures time, not accuracy.
// Run: npx tsx scripts/bench-gptq-speed.ts [--width 1024] [--layers 3] [--calibration-count 128] [--method gptq]
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { calibrate } from '../src/cli/calibration';
import { parseModel } from '../src/core/onnx';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig } from '../src/core/quant/config';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../test/fixtures/onnx-builders';
import { buildNpy } from '../test/fixtures/samples/entries';

const { values } = parseArgs({
  options: {
    width: { type: 'string', default: '1024' },
    layers: { type: 'string', default: '3' },
    'calibration-count': { type: 'string', default: '128' },
    method: { type: 'string', default: 'gptq' },
    bits: { type: 'string', default: '4' },
  },
});
const width = Number(values.width);
const layers = Number(values.layers);
const count = Number(values['calibration-count']);
let seed = 1;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;

// x [N, width] → (Gemm → Relu) × layers; Gemm weights [width, width] (transB), biases.
const nodes = [];
const inits = [];
let prev = 'x';
for (let l = 0; l < layers; l++) {
  const w = Array.from({ length: width * width }, () => rnd() * (2 / Math.sqrt(width)));
  inits.push(
    floatTensor(`w${l}`, [width, width], w),
    floatTensor(`b${l}`, [width], new Array(width).fill(0)),
  );
  nodes.push(node('Gemm', [prev, `w${l}`, `b${l}`], [`g${l}`], { transB: 1 }, { name: `gemm${l}` }));
  const out = l === layers - 1 ? 'y' : `r${l}`;
  nodes.push(node('Relu', [`g${l}`], [out], {}, { name: `relu${l}` }));
  prev = out;
}
const proto = buildModel({
  opset: 13,
  inputs: [valueInfo('x', 'float32', ['N', width])],
  outputs: [valueInfo('y', 'float32', ['N', width])],
  nodes,
  initializers: inits,
});
const dir = mkdtempSync(join(tmpdir(), 'bench-gptq-'));
const x = Float32Array.from({ length: count * width }, () => rnd() + 0.5);
const cal = join(dir, 'calibration.npy');
writeFileSync(cal, buildNpy('<f4', [count, width], new Uint8Array(x.buffer)));
const model = parseModel(modelBytes(proto), 'synthetic.onnx');
const params = layers * (width * width + width);
const config = normalizeConfig({ bits: Number(values.bits), method: values.method });

console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, Node ${process.version}, load average ${loadavg()[0].toFixed(1)} (other jobs share the cores)`,
);
console.log(
  `synthetic: ${layers} Gemm ${width}×${width} (${(params / 1e6).toFixed(2)} M parameters), ${count} synthetic calibration vectors, ${values.method} int${values.bits} per-channel`,
);
const t0 = performance.now();
const res = await calibrate(model, config, cal, count, () => {});
const t1 = performance.now();
const run = await runQuantization(model, config, 'bench', {}, {}, res.calibration);
const t2 = performance.now();
const solve = run.summary.layers.map((l) => ((l.rounding?.ms ?? 0) / 1000).toFixed(1)).join(', ');
console.log(
  `capture ${((t1 - t0) / 1000).toFixed(1)} s (Hessians ${(res.stats.bytes / 2 ** 20).toFixed(1)} MiB); ` +
    `quantize + export ${((t2 - t1) / 1000).toFixed(1)} s (per-layer solve s: ${solve}); total ${((t2 - t0) / 1000).toFixed(1)} s`,
);
