// The WebAssembly SIMD RTN kernel from JS: compiled once, synchronously, from the bytes kernel-code.ts describes
// (null where WebAssembly or SIMD128 is missing: callers keep the JS loops). Tensors go through a fixed 2 MiB memory
// in chunks of CHUNK elements, copied in and out, so memory stays bounded whatever the tensor size; runs that cross
// a chunk boundary are split (the sums carry over in element order, the extremes merge by max).
import { kernelFuncs } from './kernel-code';
import { moduleBytes } from './wasm';
import { LANES_LENGTH, SUM_BLOCK } from '../../metrics/error';

/** Elements per chunk (1 MiB of float32): a multiple of 32, so 4- and 2-bit packing starts on a byte. */
const CHUNK = 1 << 18;
/** The error sums' running state (metrics/error.ts: float64 lane sums, max|e|, the open block's float32 sums). */
export const ACC_LENGTH = LANES_LENGTH;
const RUN_CAP = 16384; // run records per call
const IN = 0;
const OUT = CHUNK * 4; // levels: int8 or int16, plus 32 bytes of zero padding for packing
const PACK = OUT + CHUNK * 2 + 64;
const ACC = PACK + CHUNK / 2 + 64;
const BAD = ACC + 8 * ACC_LENGTH; // the range functions' count of NaN / ±Inf (float32), after the sums
// ACC + 208: 8 bytes of constants the levels functions write and load (levels-code.ts)
const RUNS = ACC + 256;
const SCALES = RUNS + RUN_CAP * 16; // symscales' output, one float32 per run record
const PAGES = Math.ceil((SCALES + RUN_CAP * 4) / 65536);
/** Per-group arrays of the row kernels (rows.ts) start here; the memory grows for them (and only for them). */
export const GROUPS = PAGES * 65536;
export { ACC, BAD, IN, OUT, RUNS };

type QuantFn = (
  runs: number,
  n: number,
  inp: number,
  out: number,
  qmin: number,
  qmax: number,
  acc: number,
  base: number,
) => void;

interface Exports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  absmax(runs: number, nruns: number, inp: number): void;
  symscales(runs: number, nruns: number, inp: number, qmax: number, sout: number): void;
  pack4(src: number, dst: number, dend: number): void;
  pack2(src: number, dst: number, dend: number): void;
  /** blobs8, blobs4, blobs2: MatMulNBits blobs of 16 columns at a time (blobs-code.ts). */
  [blobs: `blobs${number}`]: (src: number, n: number, units: number, dst: number, row: number) => void;
  absmaxrow(runs: number, nruns: number, inp: number): void;
  extremes(runs: number, nruns: number, inp: number, badp: number): void;
  extremesrow(runs: number, nruns: number, inp: number, badp: number): void;
  /** quant8, quant16, quantrow8, …, quantsym8, quantrowsym16: see kernel-code.ts. */
  [quant: `quant${string}`]: QuantFn;
}
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object) => { exports: unknown };
}

export interface Kernel {
  x: Exports;
  f32: Float32Array;
  u8: Uint8Array;
  i16: Int16Array;
  f64: Float64Array;
  runI: Int32Array;
  runF: Float32Array;
  scales: Float32Array;
  /** The whole memory as float32 (per-group arrays from GROUPS on). */
  all: Float32Array;
}

let kernel: Kernel | null | undefined;
let enabled =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.QSTUDIO_KERNEL !==
  'js';

/** Tests and benchmarks: false forces the JS loops (also QSTUDIO_KERNEL=js in the environment). */
export function setSimdKernel(on: boolean): void {
  enabled = on;
}

function views(x: Exports): Kernel {
  const buf = x.memory.buffer;
  return {
    x,
    f32: new Float32Array(buf, IN, CHUNK),
    u8: new Uint8Array(buf),
    i16: new Int16Array(buf, OUT, CHUNK),
    f64: new Float64Array(buf, ACC, ACC_LENGTH),
    runI: new Int32Array(buf, RUNS, RUN_CAP * 4),
    runF: new Float32Array(buf, RUNS, RUN_CAP * 4),
    scales: new Float32Array(buf, SCALES, RUN_CAP),
    all: new Float32Array(buf),
  };
}

function load(): Kernel | null {
  const wasm = (globalThis as { WebAssembly?: Wasm }).WebAssembly;
  if (!wasm) return null;
  try {
    return views(new wasm.Instance(new wasm.Module(moduleBytes(kernelFuncs(), PAGES))).exports as Exports);
  } catch {
    return null; // no SIMD128 (the module does not validate)
  }
}

/** Room for `bytes` from GROUPS on: grows the memory (views renewed: growing detaches the old buffer). */
export function reserve(k: Kernel, bytes: number): Kernel {
  const need = Math.ceil((GROUPS + bytes) / 65536) - k.x.memory.buffer.byteLength / 65536;
  if (need > 0) {
    k.x.memory.grow(need);
    kernel = views(k.x);
    return kernel;
  }
  return k;
}

/** The kernel, or null when it is switched off or this engine has no WebAssembly SIMD. */
export function simdKernel(): Kernel | null {
  if (!enabled) return null;
  if (kernel === undefined) kernel = load();
  return kernel;
}

/** Every run has one group (step 0, runList layout): the layout the kernel takes. */
export function allContiguous(runs: Int32Array): boolean {
  for (let r4 = 3; r4 < runs.length; r4 += 4) if (runs[r4] !== 0) return false;
  return true;
}

/**
 * Visit the chunks of w (copied into the kernel's memory) and the pieces of the runs inside each, as record batches:
 * `batch(count, firstRun)` after up to RUN_CAP records (start in the chunk, length) were written, `chunkDone(c0, n)`
 * after a chunk's last batch. Runs (runList layout, all step 0) cover w in order.
 */
export function walk(
  k: Kernel,
  w: Float32Array,
  runs: Int32Array,
  record: (at: number, run: number, offset: number) => void,
  batch: (count: number, runOfRecord: Int32Array, c0: number) => void,
  chunkDone: (c0: number, n: number) => void,
): void {
  const runOf = new Int32Array(RUN_CAP);
  let r = 0; // current run (index of its 4-tuple / 4)
  for (let c0 = 0; c0 < w.length; c0 += CHUNK) {
    const c1 = Math.min(w.length, c0 + CHUNK);
    k.f32.set(w.subarray(c0, c1));
    let count = 0;
    while (r < runs.length / 4) {
      const start = runs[4 * r];
      const end = start + runs[4 * r + 1];
      const a = Math.max(start, c0);
      const b = Math.min(end, c1);
      if (b > a || end === start) {
        k.runI[4 * count] = a - c0;
        k.runI[4 * count + 1] = b - a;
        record(count, r, a - start);
        runOf[count++] = r;
        if (count === RUN_CAP) {
          batch(count, runOf, c0);
          count = 0;
        }
      }
      if (end > c1) break; // the run goes on in the next chunk
      r++;
    }
    if (count > 0) batch(count, runOf, c0);
    chunkDone(c0, c1 - c0);
  }
}

/** max|w| of each run (NaN skipped), as absMaxUnchecked per run; runs all step 0. */
export function absMaxRuns(k: Kernel, w: Float32Array, runs: Int32Array): Float64Array {
  const out = new Float64Array(runs.length / 4);
  walk(
    k,
    w,
    runs,
    () => {},
    (count, runOf) => {
      k.x.absmax(RUNS, count, IN);
      for (let i = 0; i < count; i++) {
        const m = k.runF[4 * i + 2];
        if (m > out[runOf[i]]) out[runOf[i]] = m;
      }
    },
    () => {},
  );
  return out;
}

/**
 * min and max of each run (all step 0) merged into mins / maxs of its group as runExtremes does; false when a value
 * is NaN or ±Inf (the caller names the first one).
 */
export function extremesRuns(
  k: Kernel,
  w: Float32Array,
  runs: Int32Array,
  mins: Float64Array,
  maxs: Float64Array,
): boolean {
  let bad = 0;
  walk(
    k,
    w,
    runs,
    () => {},
    (count, runOf) => {
      k.x.extremes(RUNS, count, IN, BAD);
      bad += k.all[BAD / 4];
      for (let i = 0; i < count; i++) {
        const g = runs[4 * runOf[i] + 2];
        const mn = k.runF[4 * i + 2];
        const mx = k.runF[4 * i + 3];
        if (mn < mins[g]) mins[g] = mn;
        if (mx > maxs[g]) maxs[g] = mx;
      }
    },
    () => {},
  );
  return bad === 0;
}

/**
 * Levels of the runs (all step 0, float32 output) into `packed` (8-, 4- or 2-bit container) or `levels` (int16),
 * error sums carried in acc (Σw², Σe², Σ|w|, max|e|), exactly as fused.ts's uniformRun.
 */
export type LevelsOut = { packed: Uint8Array; cbits: number } | { levels: Int16Array };

/** The levels function: int8 or int16 out, records of runs or rows, `sym` for grids without zero point or clamp. */
export const quantFn = (k: Kernel, out: LevelsOut, row: boolean, sym: boolean): QuantFn =>
  k.x[`quant${row ? 'row' : ''}${sym ? 'sym' : ''}${'levels' in out ? 16 : 8}`];

/** Copy a chunk's levels out of the kernel's memory: int16 levels, or bytes packed by 8, 4 or 2 bits. */
export function emit(k: Kernel, out: LevelsOut, c0: number, n: number): void {
  if ('levels' in out) out.levels.set(k.i16.subarray(0, n), c0);
  else if (out.cbits === 8) out.packed.set(k.u8.subarray(OUT, OUT + n), c0);
  else {
    const per = 8 / out.cbits; // levels per byte; c0 is a multiple of it
    const padded = Math.ceil(n / 32) * 32;
    k.u8.fill(0, OUT + n, OUT + padded);
    (out.cbits === 4 ? k.x.pack4 : k.x.pack2)(OUT, PACK, PACK + padded / per);
    out.packed.set(k.u8.subarray(PACK, PACK + Math.ceil(n / per)), c0 / per);
  }
}

export function quantizeRuns(
  k: Kernel,
  w: Float32Array,
  runs: Int32Array,
  scales: ArrayLike<number>,
  zeroPoints: ArrayLike<number> | null,
  qmin: number,
  qmax: number,
  out: LevelsOut,
  acc: Float64Array,
  sym: boolean,
): void {
  k.f64.set(acc);
  const quant = quantFn(k, out, false, sym);
  walk(
    k,
    w,
    runs,
    (at, r) => {
      k.runF[4 * at + 2] = scales[runs[4 * r + 2]];
      k.runF[4 * at + 3] = zeroPoints ? zeroPoints[runs[4 * r + 2]] : 0;
    },
    (count, _, c0) => quant(RUNS, count, IN, OUT, qmin, qmax, ACC, c0 % SUM_BLOCK),
    (c0, n) => emit(k, out, c0, n),
  );
  acc.set(k.f64);
}

/**
 * Symmetric grids from the extremes where every group is one run of at most CHUNK elements, groups 0, 1, 2, … in
 * order (per-tensor within a chunk, per-channel on the outer axis, blocks on the last axis), take their scales chunk
 * by chunk: per chunk of whole runs, one copy in, the scale of each run from its max|w| (symscales), then the levels
 * — no second read of w for the range. Sub-byte containers need run lengths that keep chunks byte-aligned.
 */
export function onePassFits(runs: Int32Array, cbits: number): boolean {
  if (!allContiguous(runs)) return false;
  for (let r4 = 0; r4 < runs.length; r4 += 4) {
    const len = runs[r4 + 1];
    if (len > CHUNK || (cbits < 8 && len % 4 !== 0) || runs[r4 + 2] !== r4 / 4) return false;
  }
  return true;
}

export function quantizeOnePass(
  k: Kernel,
  w: Float32Array,
  runs: Int32Array,
  scales: Float32Array,
  qmin: number,
  qmax: number,
  out: LevelsOut,
  acc: Float64Array,
): void {
  k.f64.set(acc);
  const quant = quantFn(k, out, false, true); // symmetric from the extremes
  const nRuns = runs.length / 4;
  for (let r = 0; r < nRuns;) {
    const c0 = runs[4 * r];
    let c1 = c0;
    let count = 0;
    for (; r + count < nRuns && count < RUN_CAP; count++) {
      const len = runs[4 * (r + count) + 1];
      if (c1 + len - c0 > CHUNK) break;
      k.runI[4 * count] = c1 - c0;
      k.runI[4 * count + 1] = len;
      c1 += len;
    }
    k.f32.set(w.subarray(c0, c1));
    k.x.symscales(RUNS, count, IN, qmax, SCALES);
    scales.set(k.scales.subarray(0, count), r); // run r is group r (onePassFits)
    quant(RUNS, count, IN, OUT, qmin, qmax, ACC, c0 % SUM_BLOCK);
    emit(k, out, c0, c1 - c0);
    r += count;
  }
  acc.set(k.f64);
}
