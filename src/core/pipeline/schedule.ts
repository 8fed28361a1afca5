// Per-tensor scheduling: start work for the next tensors while the current one is taken, results in plan order.
import type { WeightInfo } from '../onnx/types';
import type { WeightSpec } from '../quant/config';
import type { ExportedWeight, ExportTarget } from './weight';

/** What the RTN export pass reads of a weight (plain data, so it can be posted to a worker thread). */
export type KernelWeight = Pick<WeightInfo, 'name' | 'shape' | 'channelAxis' | 'reductionAxis' | 'opDtype'>;

export const kernelWeight = (w: KernelWeight): KernelWeight => ({
  name: w.name,
  shape: w.shape,
  channelAxis: w.channelAxis,
  reductionAxis: w.reductionAxis,
  opDtype: w.opDtype,
});

/**
 * Runs `quantizeForExport` somewhere else (the CLI's worker threads). `slots` tensors are read and started ahead of
 * the one being taken, so `slots` threads stay busy; each result is the same pure function of the tensor's values,
 * so the export is byte-identical to a single thread. `values` is handed over: the caller does not use it again,
 * so a pool may move its buffer to another thread.
 */
export interface RtnPool {
  slots: number;
  run(values: Float32Array, w: KernelWeight, spec: WeightSpec, target: ExportTarget): Promise<ExportedWeight>;
  /**
   * An output buffer of a result the caller no longer uses (its bytes were written out): the pool may hand it to a
   * thread to fill again for a later tensor (a fresh one costs a page fault and a zeroing per 4 KiB).
   */
  recycle?(buffer: ArrayBuffer): void;
}

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * `take(i)` returns item i's result, first starting items up to i + ahead − 1 (never more than `ahead` in flight
 * beyond the one taken). `start` returns null for items that must run at take time, in order (they have side
 * effects); with ahead = 1 every item starts only when taken, as a plain loop would.
 */
export function lookahead<T, R>(
  items: readonly T[],
  ahead: number,
  start: (item: T) => Promise<R> | null,
): { take(i: number): Promise<R> | null } {
  const pending = new Map<number, Promise<Settled<R>> | null>();
  let next = 0;
  return {
    take(i) {
      while (next < items.length && next < i + Math.max(1, ahead)) {
        const job = start(items[next]);
        // Settled wrappers: a failure of a tensor started ahead is reported when that tensor is taken.
        pending.set(
          next++,
          job &&
            job.then(
              (value): Settled<R> => ({ ok: true, value }),
              (error): Settled<R> => ({ ok: false, error }),
            ),
        );
      }
      const job = pending.get(i) ?? null;
      pending.delete(i);
      return (
        job &&
        job.then((r) => {
          if (!r.ok) throw r.error;
          return r.value;
        })
      );
    },
  };
}
