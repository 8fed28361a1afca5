// `--large`: an LLM-shaped 2.6 GB float model with external data (MatMul weights 4096×4096, 4096×11008,
// 11008×4096), quantized int4 block-32 and int8 per-channel with the default threads and with one; the outputs are
// loaded and run in onnxruntime-node, and one more int4 run under `node --cpu-prof` says where the time goes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeLlmModel } from './models';
import { breakdown, describe } from './profile';
import type { Row } from './extra-rows';

export interface Measured {
  s: number;
  /** CPU seconds of the process, all threads: user + sys. */
  cpu: number;
  user: number;
  /** The kernel's share: reads, writes, page faults (a JS profile does not see it). */
  sys: number;
  rss: number;
}

const INT4 = ['--bits', '4', '--granularity', 'block', '--block-size', '32'];
const INT8 = ['--bits', '8', '--granularity', 'channel'];
/** Streams the file (a whole-file read cannot hold more than 2 GiB): the copy a quantizer's reads compete with. */
const STREAM_COPY = `require('stream').pipeline(require('fs').createReadStream(process.argv[1], { highWaterMark: 1 << 24 }), require('fs').createWriteStream(process.argv[2]), (e) => { if (e) throw e; });`;

const f2 = (x: number) => x.toFixed(2);
const mb = (b: number) => (b / 2 ** 20).toFixed(0);
const dash = '–';

export interface LargeResult {
  rows: Row[];
  /** The growth table's row for this model (int8 per-channel, like the others) and its point for the scaling. */
  growth: string;
  point: { bytes: number; s: number; rss: number };
  /** Sentences for "where the time goes". */
  profile: string[];
}

export async function llmBench(opts: {
  after: string;
  before: string | null;
  tmp: string;
  threads: number;
  measure: (cmd: string[]) => Measured;
  /** Model size (a smaller one to try the script). */
  mb?: number;
}): Promise<LargeResult> {
  const { after, before, tmp, measure } = opts;
  const model = join(tmp, 'llm.onnx');
  const bytes = await writeLlmModel(model, opts.mb ?? 2600);
  const out = (name: string) => join(tmp, name);
  const quantize = (bin: string, o: string, flags: string[], extra: string[] = []) => [
    'node',
    ...extra,
    bin,
    'quantize',
    model,
    '-o',
    out(o),
    ...flags,
    '--json',
  ];
  const check = (o: string) => {
    const r = spawnSync('node', [join(import.meta.dirname, 'load-check.mjs'), out(o)], { encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : 'FAILED ' + r.stderr.trim().split('\n').slice(-3).join(' ');
  };
  const same = (a: string, b: string) => spawnSync('cmp', ['-s', out(a), out(b)]).status === 0;
  // One run per cell (each reads 2.6 GB), the heavy runs one after another.
  const copy = measure(['node', '-e', STREAM_COPY, model + '_data', out('copy')]);
  rmSync(out('copy'));
  const rows: Row[] = [];
  const cells = (name: string, flags: string[], label: string) => {
    const d = measure(quantize(after, `${name}.onnx`, flags));
    const one = measure(quantize(after, `${name}-1.onnx`, flags, []).concat(['--threads', '1']));
    const b = before ? measure(quantize(before, `${name}-before.onnx`, flags)) : null;
    if (!same(`${name}.onnx`, `${name}-1.onnx`)) throw new Error(`2.6 GB ${label}: --threads 1 differs`);
    if (before && !same(`${name}.onnx`, `${name}-before.onnx`))
      throw new Error(`2.6 GB ${label}: before differs`);
    const ort = check(`${name}.onnx`);
    const gbs = (m: Measured) => f2(bytes / 1e9 / m.s);
    rows.push(
      [
        '2.6 GB',
        `${label}: GB/s of input, default (${opts.threads} threads)`,
        gbs(d),
        b ? gbs(b) : dash,
        `${f2(d.s)} s (CPU ${f2(d.cpu)} s: user ${f2(d.user)}, sys ${f2(d.sys)}; ${f2(bytes / 1e9 / d.cpu)} GB per CPU second${b ? `, before ${f2(bytes / 1e9 / b.cpu)} (CPU ${f2(b.cpu)} s: user ${f2(b.user)}, sys ${f2(b.sys)})` : ''}); --threads 1: ${f2(one.s)} s, ${gbs(one)} GB/s; stream copy ${f2(copy.s)} s, ${gbs(copy)} GB/s; ${mb(statSync(out(`${name}.onnx`)).size)} MB out; onnxruntime-node: ${ort}`,
        '≥ 1',
      ],
      [
        '2.6 GB',
        `${label}: peak RSS / model, default`,
        f2(d.rss / bytes),
        b ? f2(b.rss / bytes) : dash,
        `${mb(d.rss)} MB; --threads 1: ${mb(one.rss)} MB (${f2(one.rss / bytes)})`,
        '≤ 0.5',
      ],
    );
    for (const o of ['', '-1', '-before']) rmSync(out(`${name}${o}.onnx`), { force: true });
    return { d, one, b };
  };
  const i4 = cells('int4', INT4, 'int4 block-32 (MatMulNBits)');
  const i8 = cells('int8', INT8, 'int8 per-channel (QDQ)');

  // Where the time goes: the int4 run again under the CPU profiler, default threads and one (after, and before).
  const profiled = (bin: string, tag: string, threads: string[]) => {
    const dir = mkdtempSync(join(tmp, `prof-${tag}-`));
    measure(quantize(bin, `prof-${tag}.onnx`, [...INT4, ...threads], ['--cpu-prof', '--cpu-prof-dir', dir]));
    rmSync(out(`prof-${tag}.onnx`));
    const text = describe(breakdown(dir));
    rmSync(dir, { recursive: true });
    return text;
  };
  const profile: string[] = [];
  for (const [label, bin] of [
    ['After', after],
    ['Before', before],
  ] as const) {
    if (!bin) continue;
    // A "before" older than --threads ran on one thread only: profiled once.
    if (!hasThreads(bin)) {
      profile.push(`${label} (one thread, no --threads yet): ${profiled(bin, label, [])}.`);
      continue;
    }
    profile.push(`${label}, default threads: ${profiled(bin, label, [])}.`);
    profile.push(`${label}, --threads 1: ${profiled(bin, `${label}-1`, ['--threads', '1'])}.`);
  }
  rmSync(model);
  rmSync(model + '_data');
  return {
    rows,
    growth: [mb(bytes), f2(copy.s), f2(i8.d.s), f2(i8.one.s), i8.b ? f2(i8.b.s) : dash]
      .concat([mb(i8.d.rss), mb(i8.one.rss), i8.b ? mb(i8.b.rss) : dash, mb(copy.rss)])
      .join(' | '),
    point: { bytes, s: i8.d.s, rss: i8.d.rss },
    profile: [...profile, `(int4 run ${f2(i4.d.s)} s wall without the profiler.)`],
  };
}

/** Whether a CLI knows `--threads` (its usage text lists it). */
const hasThreads = (bin: string): boolean =>
  spawnSync('node', [bin, '--help'], { encoding: 'utf8' }).stdout.includes('--threads');
