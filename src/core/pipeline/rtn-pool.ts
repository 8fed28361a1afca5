// An RtnPool over message-passing workers (browser Workers in the studio, src/workers/rtn-threads.ts): one tensor per
// message, the tensor's buffer moved (never copied when it is a whole buffer), results in the pipeline's plan order
// (schedule.ts `lookahead`). Pure TS: the caller supplies how a worker is started and what its messages carry.
import { isStudioError, StudioError, type StudioErrorName } from '../errors';
import type { OnnxModel } from '../onnx/types';
import type { WeightSpec } from '../quant/config';
import { packedBytes } from '../quant/pack';
import type { KernelWeight, RtnPool } from './schedule';
import { quantizeForExport, type ExportedWeight } from './weight';

/** What the export pass writes the levels into (RtnPool.run's last argument). */
type Target = Parameters<RtnPool['run']>[3];

export interface RtnRequest {
  id: number;
  values: Float32Array;
  weight: KernelWeight;
  spec: WeightSpec;
  target: Target;
  /** Output buffers given back by the pool (RtnPool.recycle), moved to the thread to be filled again. */
  outputs?: ArrayBuffer[];
}
/** `spare`: the request's values buffer, moved back for the next tensor that must be copied (see `spares`). */
export type RtnResponse = { id: number; spare: ArrayBuffer } & (
  | { result: ExportedWeight; error?: undefined }
  | { error: { name: string; message: string }; result?: undefined }
);

/** Worker threads pay for themselves on larger models only (start-up and a hand-off per tensor): from 32 MiB. */
export const POOL_FROM_BYTES = 32 * 2 ** 20;

/** A model's weight bytes as stored: the .onnx file and its external data files. */
export const modelBytes = (m: OnnxModel) =>
  m.fileBytes + [...new Set(m.externalFiles.values())].reduce((a, b) => a + b.size, 0);

/** A thread's output buffers given back (answerRtn), a few at most; each is taken by a result of its exact size. */
const freeOutputs: ArrayBuffer[] = [];
const FREE_OUTPUTS_MAX = 4;

function outputArray(bytes: number): Uint8Array {
  const i = freeOutputs.findIndex((b) => b.byteLength === bytes);
  return i >= 0 ? new Uint8Array(freeOutputs.splice(i, 1)[0]) : new Uint8Array(bytes);
}

/** A pool's message to its idle threads: the output buffers they keep for the next requests go (see `trim`). */
export interface RtnTrim {
  trim: true;
}
export const isRtnTrim = (m: RtnRequest | RtnTrim): m is RtnTrim => 'trim' in m;

/** The worker's side of RtnTrim: the kept output buffers are dropped (a thread waiting for the next run holds none). */
export function trimRtn(): void {
  freeOutputs.length = 0;
}

/** The worker's side: one request answered, with the buffers to move back (the levels and the spare). */
export function answerRtn({ id, values, weight, spec, target, outputs }: RtnRequest): {
  reply: RtnResponse;
  transfer: ArrayBuffer[];
} {
  const spare = values.buffer as ArrayBuffer;
  if (outputs) freeOutputs.push(...outputs);
  freeOutputs.splice(0, freeOutputs.length - FREE_OUTPUTS_MAX);
  try {
    const result = quantizeForExport(values, weight, spec, target, outputArray);
    const moved = transferables(result).filter((b) => b !== spare); // a buffer is listed once
    return { reply: { id, spare, result }, transfer: [spare, ...moved] };
  } catch (e) {
    const error = isStudioError(e)
      ? { name: e.name, message: e.message }
      : { name: 'Error', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    return { reply: { id, spare, error }, transfer: [spare] };
  }
}

/** The bytes of a request's QDQ packed levels (quantizeForExport's output size), or null for other targets. */
const requestPackedBytes = ({ target, spec, values }: RtnRequest): number | null =>
  typeof target === 'string' && spec.bits !== 'fp16' ? packedBytes(values.length, target) : null;

/** Every buffer of the result a typed array covers whole (a shared or larger buffer would be detached under someone else). */
function transferables(r: ExportedWeight): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const visit = (v: unknown) => {
    if (ArrayBuffer.isView(v)) {
      if (v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer)
        out.add(v.buffer);
    } else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(r);
  return [...out];
}

/** A failed tensor as the pipeline expects it: a StudioError keeps its name (WeightValueError leaves a layer float). */
const rebuilt = ({ name, message }: { name: string; message: string }): Error =>
  name === 'Error' ? new Error(message) : new StudioError(name as StudioErrorName, message);

/** What the pool hears from one worker. */
export interface RtnPortEvents {
  message(res: RtnResponse): void;
  /** The worker died (uncaught error, failed script, out of memory): `e` says so in words. */
  error(e: Error): void;
}
/** One started worker, as the pool uses it. */
export interface RtnPort {
  post(req: RtnRequest | RtnTrim, transfer: ArrayBuffer[]): void;
  terminate(): void | Promise<unknown>;
}

const isShared = (b: ArrayBufferLike) =>
  typeof SharedArrayBuffer !== 'undefined' && b instanceof SharedArrayBuffer;

/**
 * A pool of `threads` workers, started on first use by `spawn`; `close(reason)` ends them and rejects the jobs not
 * yet answered with `reason` (a cancel stops the tensor being waited for at once). A worker that dies fails every job
 * in flight or queued and the pool with it: later jobs reject with the same error, and a new pool is needed.
 * `ahead`: tensors read and queued beyond one per thread, so the next read overlaps the threads' work (memory: that
 * many more tensors held). `recycle`: where a moved tensor's buffer goes when it comes back (the CLI's reads fill it
 * again); without it the buffer is dropped.
 */
export function rtnMessagePool(
  threads: number,
  spawn: (events: RtnPortEvents) => RtnPort,
  ahead = 0,
  recycle?: (buffer: ArrayBuffer) => void,
): RtnPool & { close(reason?: Error): Promise<void>; idle(): boolean; trim(): void } {
  const workers: { port: RtnPort; busy: boolean }[] = [];
  const queue: { req: RtnRequest; resolve: (r: ExportedWeight) => void; reject: (e: unknown) => void }[] = [];
  const waiting = new Map<number, Omit<(typeof queue)[number], 'req'> & { copied: boolean }>();
  let broken: Error | null = null;
  // Buffers of copied tensors come back and are reused: a worker would otherwise hold every buffer it was sent until
  // its own (rare, nearly idle) garbage collection.
  const spares: ArrayBuffer[] = [];
  // Output buffers the caller wrote out (recycle), sent along with the next requests for the threads to fill again.
  const outputs: ArrayBuffer[] = [];
  const copyOf = (v: Float32Array): Float32Array => {
    const i = spares.findIndex((b) => b.byteLength >= v.byteLength);
    if (i < 0) return v.slice();
    const out = new Float32Array(spares.splice(i, 1)[0], 0, v.length);
    out.set(v);
    return out;
  };
  // A QDQ tensor's packed size is known here: the buffer of that size goes with it (handing the oldest two could give
  // one thread every buffer of a size the other needs next); else the oldest two, for the thread to match.
  const outputsFor = (req: RtnRequest): ArrayBuffer[] => {
    const bytes = requestPackedBytes(req);
    const i = bytes === null ? -1 : outputs.findIndex((b) => b.byteLength === bytes);
    return i >= 0 ? outputs.splice(i, 1) : outputs.splice(0, 2);
  };
  let nextId = 0;

  const fail = (e: Error) => {
    broken ??= e;
    for (const job of [...waiting.values(), ...queue.splice(0)]) job.reject(broken);
    waiting.clear();
    return Promise.all(workers.splice(0).map((w) => w.port.terminate()));
  };

  const spawnOne = () => {
    const slot = { port: null as unknown as RtnPort, busy: false };
    slot.port = spawn({
      message(res) {
        const job = waiting.get(res.id);
        if (!job) return; // answered after the pool failed
        waiting.delete(res.id);
        slot.busy = false;
        if (job.copied) spares.push(res.spare);
        else recycle?.(res.spare); // a moved tensor's buffer: the reader's to fill again, or dropped
        spares.sort((a, b) => a.byteLength - b.byteLength).splice(threads + 1); // the smallest that fits is taken
        if (res.error) job.reject(rebuilt(res.error));
        else job.resolve(res.result);
        pump();
      },
      error: (e) => void fail(e),
    });
    workers.push(slot);
    return slot;
  };

  const pump = () => {
    while (queue.length && !broken) {
      const slot = workers.find((s) => !s.busy) ?? (workers.length < threads ? spawnOne() : null);
      if (!slot) return;
      const { req, resolve, reject } = queue.shift()!;
      slot.busy = true;
      // The pool owns `values` (RtnPool.run): a tensor covering its whole buffer (a fresh read) moves without a copy;
      // a view into a larger buffer is copied so nothing else is detached.
      const v = req.values;
      const whole = v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && !isShared(v.buffer);
      waiting.set(req.id, { resolve, reject, copied: !whole });
      const values = whole ? v : copyOf(v);
      const given = outputsFor(req);
      slot.port.post({ ...req, values, ...(given.length ? { outputs: given } : {}) }, [
        values.buffer as ArrayBuffer,
        ...given,
      ]);
    }
  };

  return {
    slots: threads + ahead,
    run(values, weight, spec, target) {
      return new Promise((resolve, reject) => {
        if (broken) return reject(broken);
        queue.push({ req: { id: nextId++, values, weight, spec, target }, resolve, reject });
        pump();
      });
    },
    recycle(buffer) {
      if (buffer.byteLength > 0 && !outputs.includes(buffer)) outputs.push(buffer);
      outputs.splice(0, outputs.length - 2 * threads);
    },
    /**
     * Between runs (idle): the buffers kept for reuse go, here and in the threads (a run's output buffers would
     * otherwise stay in memory while the threads wait for the next run).
     */
    trim() {
      spares.length = 0;
      outputs.length = 0;
      for (const w of workers) w.port.post({ trim: true }, []);
    },
    /** Nothing queued or waiting and no thread died: the threads can serve another run. */
    idle: () => !broken && !queue.length && !waiting.size,
    async close(reason = new StudioError('CancelledError', 'the worker pool was closed')) {
      await fail(reason);
    },
  };
}
