// rtnMessagePool over in-process fake ports: messages go through structuredClone with the transfer list, as
// postMessage moves them, and are answered by answerRtn (the threads' side).
import { describe, expect, it } from 'vitest';
import { normalizeConfig, type WeightSpec } from '../quant/config';
import { rtnMessagePool, answerRtn, isRtnTrim, trimRtn, type RtnPort, type RtnPortEvents } from './rtn-pool';
import type { KernelWeight } from './schedule';
import { quantizeForExport } from './weight';

const W: KernelWeight = { name: 'w', shape: [8, 16], channelAxis: 0, reductionAxis: 1, opDtype: 'float32' };
const SPEC = normalizeConfig({ bits: 4, granularity: 'channel' }) as WeightSpec;
const values = (seed: number) => Float32Array.from({ length: 128 }, (_, i) => Math.sin(i * 0.3 + seed));

function ports(opts: { dieOn?: number } = {}) {
  const log = { posted: 0, terminated: 0, trims: 0, transfers: [] as number[], sizes: [] as number[][] };
  const spawn = (events: RtnPortEvents): RtnPort => ({
    post(req, transfer) {
      if (isRtnTrim(req)) return void (log.trims++, trimRtn());
      const n = ++log.posted;
      log.transfers.push(transfer.length);
      log.sizes.push(transfer.map((b) => b.byteLength));
      const received = structuredClone(req, { transfer });
      setTimeout(() => {
        if (n === opts.dieOn) return events.error(new Error('thread died'));
        const { reply, transfer: back } = answerRtn(received);
        events.message(structuredClone(reply, { transfer: back }));
      });
    },
    terminate: () => void log.terminated++,
  });
  return { spawn, log };
}

describe('rtnMessagePool', () => {
  it('moves a tensor that is its whole buffer, copies a view into a larger one, same results as here', async () => {
    const { spawn, log } = ports();
    const pool = rtnMessagePool(2, spawn);
    const whole = values(1);
    const big = new Float32Array(300);
    big.set(values(2), 100);
    const view = big.subarray(100, 228);
    const [a, b] = await Promise.all([pool.run(whole, W, SPEC, 'int4'), pool.run(view, W, SPEC, 'int4')]);
    expect(whole.byteLength).toBe(0); // moved
    expect(big.byteLength).toBe(1200); // not detached: the view was copied
    expect(a).toEqual(quantizeForExport(values(1), W, SPEC, 'int4'));
    expect(b).toEqual(quantizeForExport(values(2), W, SPEC, 'int4'));
    expect(log.transfers).toEqual([1, 1]);
    await pool.close();
    expect(log.terminated).toBe(2);
  });

  it("a moved tensor's buffer comes back to `recycle`; a copied one is kept for the next copy", async () => {
    const back: ArrayBuffer[] = [];
    const pool = rtnMessagePool(1, ports().spawn, 0, (b) => back.push(b));
    await pool.run(values(1), W, SPEC, 'int4');
    expect(back.map((b) => b.byteLength)).toEqual([512]);
    await pool.run(new Float32Array(300).subarray(0, 128), W, SPEC, 'int4');
    expect(back).toHaveLength(1);
    await pool.close();
  });

  it.each([
    { target: { nbits: 4 } as const, spec: { bits: 4, granularity: 'block', blockSize: 32 } as const },
    { target: 'int8' as const, spec: { bits: 8, granularity: 'channel' } as const },
    { target: 'int4' as const, spec: { bits: 4, granularity: 'channel' } as const },
  ])(
    'recycled $target output buffers go to the threads with the next tensors; results unchanged',
    async (c) => {
      const { spawn, log } = ports();
      const pool = rtnMessagePool(1, spawn);
      const KN: KernelWeight = {
        name: 'm',
        shape: [64, 8],
        channelAxis: 1,
        reductionAxis: 0,
        opDtype: 'float32',
      };
      const spec = normalizeConfig(c.spec) as WeightSpec;
      const w = () => Float32Array.from({ length: 512 }, (_, i) => Math.cos(i * 0.7));
      const first = await pool.run(w(), KN, spec, c.target);
      const out = first.kind === 'nbits' ? first.nbits.B : first.kind === 'packed' ? first.packed : null;
      if (!out) throw new Error(first.kind);
      out.fill(0x5a); // written out: the next result must not depend on what the buffer holds
      pool.recycle!(out.buffer as ArrayBuffer);
      const second = await pool.run(w(), KN, spec, c.target);
      expect(log.transfers).toEqual([1, 2]); // the tensor, then the tensor and the given-back output
      expect(second).toEqual(quantizeForExport(w(), KN, spec, c.target));
      await pool.close();
    },
  );

  it('a QDQ tensor is sent the given-back buffer of its packed size, not the oldest ones', async () => {
    const { spawn, log } = ports();
    const pool = rtnMessagePool(1, spawn);
    const int8 = normalizeConfig({ bits: 8, granularity: 'channel' }) as WeightSpec;
    for (const bytes of [100, 128]) pool.recycle!(new ArrayBuffer(bytes)); // one thread keeps two
    const r = await pool.run(values(1), W, int8, 'int8');
    expect(log.sizes).toEqual([[512, 128]]); // the tensor (128 float32) and the 128-byte buffer only
    expect(r).toEqual(quantizeForExport(values(1), W, int8, 'int8'));
    pool.recycle!(new ArrayBuffer(200));
    await pool.run(values(2), W, int8, 'int8'); // no buffer of 128 bytes left: the oldest two, as for MatMulNBits
    expect(log.sizes[1]).toEqual([512, 100, 200]);
    await pool.close();
  });

  it('trim drops the buffers kept for reuse, here and in the threads: the next tensor goes alone', async () => {
    const { spawn, log } = ports();
    const pool = rtnMessagePool(2, spawn);
    const int8 = normalizeConfig({ bits: 8, granularity: 'channel' }) as WeightSpec;
    await Promise.all([pool.run(values(1), W, int8, 'int8'), pool.run(values(2), W, int8, 'int8')]);
    for (const bytes of [128, 128, 128]) pool.recycle!(new ArrayBuffer(bytes));
    pool.trim();
    expect(log.trims).toBe(2); // one message per thread
    const r = await pool.run(values(3), W, int8, 'int8');
    expect(log.sizes[2]).toEqual([512]); // no output buffer sent along
    expect(r).toEqual(quantizeForExport(values(3), W, int8, 'int8'));
    await pool.close();
  });

  it('a failed tensor keeps its error name (a NaN weight is a WeightValueError)', async () => {
    const pool = rtnMessagePool(1, ports().spawn);
    const bad = values(3);
    bad[5] = NaN;
    await expect(pool.run(bad, W, SPEC, 'int4')).rejects.toMatchObject({ name: 'WeightValueError' });
    await expect(pool.run(values(4), W, SPEC, 'int4')).resolves.toMatchObject({ kind: 'packed' });
    await pool.close();
  });

  it('a thread that dies fails the jobs in flight, the queue and every later job, and ends the threads', async () => {
    const { spawn, log } = ports({ dieOn: 1 });
    const pool = rtnMessagePool(1, spawn);
    const jobs = [1, 2, 3].map((i) => pool.run(values(i), W, SPEC, 'int4'));
    for (const job of jobs) await expect(job).rejects.toThrow('thread died');
    await expect(pool.run(values(4), W, SPEC, 'int4')).rejects.toThrow('thread died');
    expect(log.posted).toBe(1);
    expect(log.terminated).toBe(1);
  });

  it('close(reason) rejects what is not answered with the reason', async () => {
    const pool = rtnMessagePool(2, ports().spawn);
    const job = pool.run(values(1), W, SPEC, 'int4');
    await pool.close(new Error('cancelled'));
    await expect(job).rejects.toThrow('cancelled');
  });
});
