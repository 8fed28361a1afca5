// AdaRound per-layer speed, full H vs its low-rank factor, in one process (ratios are the measurement; other jobs
// share the cores). Synthetic Gemm layer like bench-gptq-speed.ts: seeded uniform weights, H = XᵀX from `samples`
// uniform vectors (rank ≤ samples). Run: npx tsx scripts/bench-adaround-speed.ts [--rows 128] [--cols 1024]
// [--samples 128] [--bits 4] [--iterations 300] [--full true]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { adaroundQuantize } from '../src/core/gptq';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '128' },
    cols: { type: 'string', default: '1024' },
    samples: { type: 'string', default: '128' },
    bits: { type: 'string', default: '4' },
    iterations: { type: 'string', default: '300' },
    full: { type: 'string', default: 'true' },
  },
});
const [rows, cols, samples, bits, iterations] = ['rows', 'cols', 'samples', 'bits', 'iterations'].map((k) =>
  Number(values[k as keyof typeof values]),
);
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
console.log(
  `load average ${loadavg()[0].toFixed(1)}; layer ${rows}×${cols}, ${samples} samples, int${bits}, ${iterations} steps`,
);
for (const lowRank of values.full === 'true' ? [true, false] : [true]) {
  const t = performance.now();
  const res = adaroundQuantize(w, [rows, cols], opts, { hessians: [h] }, { iterations, lowRank });
  const s = (performance.now() - t) / 1000;
  console.log(
    `${lowRank ? 'low-rank' : 'full H  '}: ${s.toFixed(1)} s, ${res.iterations} steps, error/RTN ${(res.error / res.rtnError).toFixed(4)} (${res.method})`,
  );
}
