// The quantize worker with RTN threads (rtn-threads.ts), in Node: the threads are fakes that answer through the same
// `answerRtn` as the browser's rtn.worker.ts, with messages moved by structuredClone's transfer (as postMessage does)
// and answered out of order. Exported bytes and summaries must be those of one thread.
import { afterEach, describe, expect, it } from 'vitest';
import { buildModel, floatTensor, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { normalizeConfig, type QuantConfig } from '../core/quant/config';
import {
  answerRtn,
  isRtnTrim,
  POOL_FROM_BYTES,
  trimRtn,
  type RtnPort,
  type RtnPortEvents,
} from '../core/pipeline/rtn-pool';
import type { OnnxModel } from '../core/onnx/types';
import type { KernelWeight } from '../core/pipeline/schedule';
import { quantizeApi as api } from './quantize.api';
import { releaseRtnPool, rtnPoolFor, rtnThreads, useRtnThreads } from './rtn-threads';

const WIDTH = 64;
const LAYERS = 6;

/** Six Gemm weights of 64×64 (one with a NaN when `nanAt` is set: that layer stays float). */
function chainBytes(nanAt: number | null): Uint8Array {
  const w = (i: number) =>
    Array.from({ length: WIDTH * WIDTH }, (_, j) =>
      j === nanAt && i === 3 ? NaN : Math.sin(j * 0.37 + i) * (i + 1) + (j % 7) * 0.01,
    );
  const ids = [...Array(LAYERS).keys()];
  return modelBytes(
    buildModel({
      opset: 13,
      inputs: [valueInfo('x', 'float32', [1, WIDTH])],
      outputs: [valueInfo(`h${LAYERS}`)],
      nodes: ids.map((i) => node('Gemm', [i ? `h${i}` : 'x', `w${i}`], [`h${i + 1}`], { transB: 1 })),
      initializers: ids.map((i) => floatTensor(`w${i}`, [WIDTH, WIDTH], w(i))),
    }),
  );
}

interface Log {
  spawned: number;
  terminated: number;
  posted: number;
  /** Trim messages (a finished run's pool kept for the next run). */
  trims: number;
  inFlight: number;
  maxInFlight: number;
  /** Per message: the sender's tensor buffer was detached (moved, not copied). */
  moved: boolean[];
}

/**
 * Fake threads: each message is moved and answered after a delay that varies (so out of order); message `crashOn`
 * kills its thread; `onPost` sees each message number as it is sent.
 */
function fakeThreads(
  crashOn?: number,
  onPost?: (n: number) => void,
): { spawn: (e: RtnPortEvents) => RtnPort; log: Log; kill: () => void } {
  const log: Log = { spawned: 0, terminated: 0, posted: 0, trims: 0, inFlight: 0, maxInFlight: 0, moved: [] };
  const started: RtnPortEvents[] = [];
  const spawn = (events: RtnPortEvents): RtnPort => {
    log.spawned++;
    started.push(events);
    let dead = false;
    return {
      post(req, transfer) {
        if (isRtnTrim(req)) return void (log.trims++, trimRtn());
        const n = ++log.posted;
        onPost?.(n);
        const received = structuredClone(req, { transfer });
        log.moved.push(req.values.byteLength === 0);
        log.maxInFlight = Math.max(log.maxInFlight, ++log.inFlight);
        setTimeout(
          () => {
            if (dead) return;
            log.inFlight--;
            if (n === crashOn) return events.error(new Error('A quantization thread stopped: test crash'));
            const { reply, transfer: back } = answerRtn(received);
            events.message(structuredClone(reply, { transfer: back }));
          },
          (n * 7) % 5,
        );
      },
      terminate() {
        dead = true;
        log.terminated++;
      },
    };
  };
  /** The first thread dies (as if it ran out of memory while idle). */
  const kill = () => started[0].error(new Error('A quantization thread stopped: killed'));
  return { spawn, log, kill };
}

let opened = 0;
async function openChain(nanAt: number | null = null): Promise<string> {
  const modelId = `chain-${opened++}`;
  const bytes = chainBytes(nanAt);
  await api.open({
    modelId,
    file: new Blob([bytes as Uint8Array<ArrayBuffer>]),
    fileName: 'chain.onnx',
    sidecars: [],
  });
  return modelId;
}

let runs = 0;
async function quantized(modelId: string, config: QuantConfig) {
  const runId = `run-${runs++}`;
  const summary = await api.quantize(modelId, runId, config);
  const bytes = new Uint8Array(await (await api.exportModel(runId)).arrayBuffer());
  return { summary: { ...summary, runId: '', durationMs: 0 }, bytes };
}

afterEach(() => useRtnThreads(null));

describe('quantize worker with RTN threads', () => {
  const configs: [string, Partial<QuantConfig>][] = [
    ['int8 per-channel', { bits: 8, granularity: 'channel' }],
    ['uint4 blocks', { bits: 4, granularity: 'block', blockSize: 16, scheme: 'asymmetric' }],
    ['int4 MatMulNBits', { bits: 4, granularity: 'block', blockSize: 16, format: 'matmulnbits' }],
    ['int2 per-tensor, percentile clip', { bits: 2, granularity: 'tensor', clip: 'percentile' }],
    ['fp16', { bits: 'fp16' }],
  ];
  it.each(configs)('%s: the bytes and summary of one thread, tensors moved, few in flight', async (_, c) => {
    const config = normalizeConfig(c);
    for (const nanAt of [null, 5]) {
      const modelId = await openChain(nanAt);
      const one = await quantized(modelId, config);
      expect(one.summary.skipped.map((s) => s.name)).toEqual(nanAt === null ? [] : ['w3']);
      for (const threads of [1, 2, 3]) {
        const fake = fakeThreads();
        useRtnThreads({ spawn: fake.spawn, threads, fromBytes: 0 });
        const many = await quantized(modelId, config);
        useRtnThreads(null);
        expect(Buffer.from(many.bytes).equals(Buffer.from(one.bytes))).toBe(true);
        expect(many.summary).toEqual(one.summary);
        expect(fake.log.posted).toBe(LAYERS);
        expect(fake.log.moved.every(Boolean)).toBe(true);
        expect(fake.log.spawned).toBe(threads);
        expect(fake.log.maxInFlight).toBeLessThanOrEqual(threads);
        expect(fake.log.terminated).toBe(threads); // ended with the run
      }
    }
  });

  it('the threads of a finished run serve the next run; useRtnThreads(null) ends them', async () => {
    const modelId = await openChain();
    const fake = fakeThreads();
    useRtnThreads({ spawn: fake.spawn, threads: 2, fromBytes: 0 });
    const a = await quantized(modelId, normalizeConfig({ bits: 8 }));
    const b = await quantized(modelId, normalizeConfig({ bits: 4 }));
    // Kept between the runs without the buffers they held for reuse: each thread was told to drop them.
    expect(fake.log).toMatchObject({ spawned: 2, terminated: 0, posted: 2 * LAYERS, trims: 4 });
    expect(a.bytes).not.toEqual(b.bytes);
    useRtnThreads(null);
    expect(fake.log.terminated).toBe(2);
  });

  it('kept threads of which one died while waiting are not used: the next run starts new ones', async () => {
    const modelId = await openChain();
    const fake = fakeThreads();
    useRtnThreads({ spawn: fake.spawn, threads: 2, fromBytes: 0 });
    const a = await quantized(modelId, normalizeConfig({ bits: 8 }));
    fake.kill();
    expect(fake.log.terminated).toBe(2);
    expect((await quantized(modelId, normalizeConfig({ bits: 8 }))).bytes).toEqual(a.bytes);
    expect(fake.log.spawned).toBe(4);
  });

  it('a pool with work not taken (a run that failed early) is not kept', async () => {
    const fake = fakeThreads();
    useRtnThreads({ spawn: fake.spawn, threads: 1, fromBytes: 0 });
    const model = { fileBytes: 1, externalFiles: new Map() } as unknown as OnnxModel;
    const pool = rtnPoolFor(model)!;
    const values = new Float32Array(64).fill(0.5);
    const weight: KernelWeight = {
      name: 'w',
      shape: [8, 8],
      channelAxis: 0,
      reductionAxis: 1,
      opDtype: 'float32',
    };
    const job = pool.run(values, weight, normalizeConfig({ bits: 8 }) as never, 'int8');
    await releaseRtnPool(pool);
    await expect(job).rejects.toMatchObject({ name: 'CancelledError' });
    expect(fake.log.terminated).toBe(1);
    expect(rtnPoolFor(model)).not.toBe(pool);
  });

  it('a thread that dies fails the run with a clear error; the next run works and gives the same bytes', async () => {
    const modelId = await openChain();
    const config = normalizeConfig({ bits: 8 });
    const one = await quantized(modelId, config);
    const crashing = fakeThreads(3);
    useRtnThreads({ spawn: crashing.spawn, threads: 2, fromBytes: 0 });
    await expect(api.quantize(modelId, 'crashed', config)).rejects.toThrow(
      'A quantization thread stopped: test crash',
    );
    expect(crashing.log.terminated).toBe(crashing.log.spawned);
    await expect(api.exportModel('crashed')).rejects.toMatchObject({ name: 'ModelNotLoadedError' });
    const fresh = fakeThreads();
    useRtnThreads({ spawn: fresh.spawn, threads: 2, fromBytes: 0 });
    expect((await quantized(modelId, config)).bytes).toEqual(one.bytes);
  });

  it('a cancel ends the threads at once and the run rejects with CancelledError', async () => {
    const modelId = await openChain();
    const fake = fakeThreads(undefined, (n) => n === 2 && void api.cancel('cancelled'));
    useRtnThreads({ spawn: fake.spawn, threads: 2, fromBytes: 0 });
    const run = api.quantize(modelId, 'cancelled', normalizeConfig({ bits: 8 }));
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(fake.log.terminated).toBe(fake.log.spawned);
    expect(fake.log.posted).toBeLessThan(LAYERS);
  });

  it('a cancel seen only through the shared flag, with nothing in flight, ends the threads (none kept)', async () => {
    // The page sets the flag before it sends `cancel`: set as the last tensor comes back, the run stops after its
    // loop with an idle pool, which a finished run would keep for the next width.
    const modelId = await openChain();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const fake = fakeThreads();
    let replies = 0;
    const spawn = (events: RtnPortEvents) =>
      fake.spawn({
        message: (res) => {
          if (++replies === LAYERS) Atomics.store(flag, 0, 1);
          events.message(res);
        },
        error: events.error,
      });
    useRtnThreads({ spawn, threads: 2, fromBytes: 0 });
    const run = api.quantize(modelId, 'flagged', normalizeConfig({ bits: 8 }), undefined, undefined, flag);
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(fake.log.posted).toBe(LAYERS);
    expect(fake.log).toMatchObject({ spawned: 2, terminated: 2 });
  });

  it('a cancel that comes after its run finished ends the threads kept for the next width', async () => {
    // A batch's Cancel can reach the worker just after the width it names was written (no check runs while writing).
    const modelId = await openChain();
    const fake = fakeThreads();
    useRtnThreads({ spawn: fake.spawn, threads: 2, fromBytes: 0 });
    await api.quantize(modelId, 'finished', normalizeConfig({ bits: 8 }));
    expect(fake.log).toMatchObject({ spawned: 2, terminated: 0 });
    await api.cancel('finished');
    expect(fake.log.terminated).toBe(2);
    await api.dropRun('finished');
  });

  it('threads only from 32 MiB of weights (file and external data), as many as the setup says', () => {
    const model = (fileBytes: number, external: number[] = []) =>
      ({
        fileBytes,
        externalFiles: new Map(external.map((size, i) => [`d${i}`, { size }])),
      }) as unknown as OnnxModel;
    const { spawn } = fakeThreads();
    expect(rtnPoolFor(model(POOL_FROM_BYTES))).toBeNull(); // not set up: one thread
    useRtnThreads({ spawn, threads: 3 });
    expect(rtnPoolFor(model(POOL_FROM_BYTES - 1))).toBeNull();
    expect(rtnPoolFor(model(1000, [POOL_FROM_BYTES / 2, POOL_FROM_BYTES / 2]))?.slots).toBe(4); // 3 + 1 read ahead
    expect(rtnPoolFor(model(POOL_FROM_BYTES))?.slots).toBe(4);
    useRtnThreads({ spawn, threads: 0 });
    expect(rtnPoolFor(model(POOL_FROM_BYTES))).toBeNull();
  });

  it('reads as many tensors ahead as the run asks, also on a pool kept from the last run', async () => {
    const big = { fileBytes: POOL_FROM_BYTES, externalFiles: new Map() } as unknown as OnnxModel;
    const { spawn } = fakeThreads();
    useRtnThreads({ spawn, threads: 2 });
    const spilled = rtnPoolFor(big, 0);
    expect(spilled?.slots).toBe(2); // a large (spilled) run: no tensor read ahead
    await releaseRtnPool(spilled!);
    const again = rtnPoolFor(big);
    expect(again).toBe(spilled); // the kept threads, with the next run's read-ahead
    expect(again?.slots).toBe(3);
    await again!.close();
    useRtnThreads(null);
  });

  it.each([
    [1, 0],
    [2, 1],
    [4, 3],
    [8, 4],
    [64, 4],
    [NaN, 0],
  ])('%s logical cores: %s threads', (cores, threads) => {
    expect(rtnThreads(cores)).toBe(threads);
  });
});
