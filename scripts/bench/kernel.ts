// RTN kernel throughput against typed-array copies of the same data, in one thread (and, for a kernel with a
// WebAssembly SIMD path, the same kernel with that path off: the JS loops). Environment-free (runs in Node
// and, bundled, in a browser worker): the caller passes the kernel and a clock. Copy and kernel are timed in
// alternating rounds and each round gives a ratio, so a burst of load from other processes hits both sides of the
// ratio it lands in; the reported ratios are medians over rounds.
import type { quantizeFused } from '../../src/core/quant/fused';
import type { QuantizeOptions } from '../../src/core/quant/quantize';

export interface KernelResult {
  /** GB/s of float32 input: the fused RTN pass (range pass, levels packed, error sums), the JS copy loop, .set. */
  fused: number;
  loopCopy: number;
  setCopy: number;
  /** Copy time / fused time: the fraction of the copy's throughput (median of per-round ratios, or of best times). */
  vsLoop: number;
  vsSet: number;
  /** The same kernel with its WebAssembly SIMD path switched off (the JS loops), when the kernel has one. */
  js: { fused: number; vsLoop: number; vsSet: number } | null;
  /**
   * The same call writing its bytes into a preallocated output (as `.set` writes into a preallocated copy; the
   * main figures allocate the output per call, as `quantizeFused` without `into`), when the kernel takes one.
   */
  into: { fused: number; vsLoop: number; vsSet: number } | null;
  rounds: number;
  /** 'median' (CPU clock) or 'best' (wall clock: the fastest round of each is the one least disturbed by load). */
  stat: 'median' | 'best';
}

const N = 1024;
const OPTS: QuantizeOptions = {
  bits: 8,
  scheme: 'symmetric',
  granularity: 'channel',
  blockSize: 32,
  channelAxis: 0,
  reductionAxis: 1,
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** A 4096×1024 int8 per-channel weight (16 MiB of float32), as one layer of the 100 MB bench model. */
export function kernelBench(
  fused: typeof quantizeFused,
  clock: () => number,
  stat: KernelResult['stat'] = 'median',
  rounds = 9,
  setSimd?: (on: boolean) => void,
): KernelResult {
  const w = new Float32Array(4 * N * N);
  for (let i = 0; i < w.length; i++) w[i] = Math.sin(i * 0.37) * 0.05;
  const shape = [4 * N, N];
  const dst = new Float32Array(w.length);
  let sink = 0;
  const loop = () => (sink += copyLoop(w, dst));
  const set = () => dst.set(w);
  const kernel = () => (sink += fused(w, shape, OPTS, 'int8', 'float32').sums.noise);
  // a kernel that takes a preallocated output (an `into` parameter after the five of every version)
  const canInto = fused.length >= 6;
  const outBuf = new Uint8Array(w.length);
  const kernelInto = () => (sink += fused(w, shape, OPTS, 'int8', 'float32', outBuf).sums.noise);
  const kernelJs = () => {
    setSimd?.(false);
    sink += fused(w, shape, OPTS, 'int8', 'float32').sums.noise;
    setSimd?.(true);
  };
  const time = (fn: () => unknown) => {
    const t = clock();
    fn();
    return clock() - t;
  };
  for (let i = 0; i < 3; i++) [loop, set, kernel, kernelInto, kernelJs].forEach((fn) => fn()); // warm-up
  const t = {
    loop: [] as number[],
    set: [] as number[],
    kernel: [] as number[],
    js: [] as number[],
    into: [] as number[],
  };
  const vsLoop: number[] = [];
  const vsSet: number[] = [];
  const jsLoop: number[] = [];
  const jsSet: number[] = [];
  const intoLoop: number[] = [];
  const intoSet: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const a = time(loop);
    const b = time(set);
    const k = time(kernel);
    t.loop.push(a);
    t.set.push(b);
    t.kernel.push(k);
    vsLoop.push(a / k);
    vsSet.push(b / k);
    if (canInto) {
      const i = time(kernelInto);
      t.into.push(i);
      intoLoop.push(a / i);
      intoSet.push(b / i);
    }
    if (setSimd) {
      const j = time(kernelJs);
      t.js.push(j);
      jsLoop.push(a / j);
      jsSet.push(b / j);
    }
  }
  if (Number.isNaN(sink)) throw new Error('unreachable');
  const gbs = (ms: number) => w.byteLength / 1e9 / (ms / 1000);
  const pick = stat === 'median' ? median : (xs: number[]) => Math.min(...xs);
  const ratios = (ts: number[], vsLoop: number[], vsSet: number[]) => ({
    fused: gbs(pick(ts)),
    vsLoop: stat === 'median' ? median(vsLoop) : pick(t.loop) / pick(ts),
    vsSet: stat === 'median' ? median(vsSet) : pick(t.set) / pick(ts),
  });
  return {
    fused: gbs(pick(t.kernel)),
    loopCopy: gbs(pick(t.loop)),
    setCopy: gbs(pick(t.set)),
    vsLoop: stat === 'median' ? median(vsLoop) : pick(t.loop) / pick(t.kernel),
    vsSet: stat === 'median' ? median(vsSet) : pick(t.set) / pick(t.kernel),
    js: setSimd ? ratios(t.js, jsLoop, jsSet) : null,
    into: canInto ? ratios(t.into, intoLoop, intoSet) : null,
    rounds,
    stat,
  };
}

/** The JS copy loop, at module level so its optimised code does not depend on a closure. */
function copyLoop(src: Float32Array, dst: Float32Array): number {
  for (let i = 0; i < src.length; i++) dst[i] = src[i];
  return dst[7];
}

/** CPU time of this thread's process in ms (Node): time spent waiting for a core under load is not counted. */
export const cpuClock = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
