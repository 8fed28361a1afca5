// In-process kernel throughput: the export's fused RTN pass against the multi-pass path it replaced and copies.
import { errorSums } from '../../src/core/metrics/error';
import { dequantize } from '../../src/core/quant/dequantize';
import { quantizeFused } from '../../src/core/quant/fused';
import { packLevels } from '../../src/core/quant/pack';
import { quantizeTensor, type QuantizeOptions } from '../../src/core/quant/quantize';

const N = 1024;
const opts: QuantizeOptions = {
  bits: 8,
  scheme: 'symmetric',
  granularity: 'channel',
  blockSize: 32,
  channelAxis: 0,
  reductionAxis: 1,
};

/** Median GB/s (of float32 input) over `runs` timed calls after one warm-up. */
function rate(fn: () => void, bytes: number, runs = 7): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return bytes / 1e9 / (times[Math.floor(runs / 2)] / 1000);
}

export function kernelBench(): { fused: number; unfused: number; loopCopy: number; setCopy: number } {
  const w = new Float32Array(4 * N * N).map((_, i) => Math.sin(i * 0.37) * 0.05);
  const shape = [4 * N, N];
  const bytes = w.byteLength;
  const dst = new Float32Array(w.length);
  let sink = 0;
  const loopCopy = rate(() => {
    for (let i = 0; i < w.length; i++) dst[i] = w[i];
    sink += dst[7];
  }, bytes);
  const setCopy = rate(() => dst.set(w), bytes);
  const fused = rate(() => {
    sink += quantizeFused(w, shape, opts, 'int8', 'float32').sums.noise;
  }, bytes);
  const unfused = rate(
    () => {
      const q = quantizeTensor(w, shape, opts);
      sink += packLevels(q.levels, 'int8')[0] + errorSums(w, dequantize(q)).noise;
    },
    bytes,
    3,
  );
  if (Number.isNaN(sink)) throw new Error('unreachable');
  return { fused, unfused, loopCopy, setCopy };
}
