// Sessions of scripts/bench/eval-options.ts: onnxruntime-web (a variant's options) and onnxruntime-node on the same
// feeds, each with one timed pass over every batch, and the comparison of two sessions' outputs.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { fixtureSampleFiles, studioFeedBatches } from '../eval-browser/studio-feeds';
import { SESSION_OPTIONS } from '../../../src/workers/ort-backend';
import type { EvalMode } from '../../../src/protocol/eval-dto';
import type { Variant } from './variants';

/**
 * This process's CPU time (user + system, every thread): with one thread per runtime and nothing else running in the
 * process, it is the work done, much less disturbed than wall time by other jobs on a shared machine.
 */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export const feedsFor = (model: string, floatPath: string, batch: number) =>
  studioFeedBatches(floatPath, fixtureSampleFiles(model), batch);

export type Feeds = Awaited<ReturnType<typeof feedsFor>>;

/** A session, its feeds as tensors, and one timed pass over every batch (outputs kept for the equality check). */
export async function openWeb(bytes: Uint8Array, feeds: Feeds, v: Variant, mode: EvalMode) {
  const session = await ortWeb.InferenceSession.create(bytes, v.opts(mode));
  const xs = feeds.map((x) =>
    Object.fromEntries(
      Object.entries(x).map(([k, t]) => [
        k,
        new ortWeb.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims),
      ]),
    ),
  );
  const outName = session.outputNames[0];
  // Pre-allocated outputs: one float32 tensor per run, of the output's shape (every output here is [batch, classes]).
  const classes = (await session.run(xs[0], [outName]))[outName].dims[1];
  const outs = v.preallocated
    ? xs.map((x) => {
        const n = Object.values(x)[0].dims[0];
        return new ortWeb.Tensor('float32', new Float32Array(n * classes), [n, classes]);
      })
    : null;
  return {
    async pass() {
      const logits: Float32Array[] = [];
      const c0 = cpuMs();
      const t0 = performance.now();
      for (const [i, x] of xs.entries()) {
        const out = outs ? await session.run(x, { [outName]: outs[i] }) : await session.run(x, [outName]);
        logits.push(out[outName].data as Float32Array);
      }
      return { ms: performance.now() - t0, cpu: cpuMs() - c0, logits };
    },
    release: () => session.release(),
  };
}

export async function openNode(bytes: Uint8Array, feeds: Feeds, mode: EvalMode) {
  const session = await ortNode.InferenceSession.create(bytes, {
    ...SESSION_OPTIONS[mode],
    executionProviders: ['cpu'],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  } as ortNode.InferenceSession.SessionOptions);
  const xs = feeds.map((x) =>
    Object.fromEntries(
      Object.entries(x).map(([k, t]) => [
        k,
        new ortNode.Tensor(t.dtype as 'float32', t.data as Float32Array, t.dims),
      ]),
    ),
  );
  return {
    async pass() {
      const c0 = cpuMs();
      const t0 = performance.now();
      for (const x of xs) await session.run(x);
      return { ms: performance.now() - t0, cpu: cpuMs() - c0 };
    },
    release: () => session.release(),
  };
}

export function compare(a: Float32Array[], b: Float32Array[], classes: number) {
  let maxAbs = 0;
  let top1Diff = 0;
  const fa = Float32Array.from(a.flatMap((x) => [...x]));
  const fb = Float32Array.from(b.flatMap((x) => [...x]));
  for (let i = 0; i < fa.length; i++) maxAbs = Math.max(maxAbs, Math.abs(fa[i] - fb[i]));
  const argmax = (f: Float32Array, r: number) => {
    let k = 0;
    for (let j = 1; j < classes; j++) if (f[r * classes + j] > f[r * classes + k]) k = j;
    return k;
  };
  for (let r = 0; r < fa.length / classes; r++) if (argmax(fa, r) !== argmax(fb, r)) top1Diff++;
  return { maxAbs, top1Diff };
}
