// Which onnxruntime-web session options, execution providers and batch sizes change evaluation speed (issue 12,
// goal 4), measured on onnxruntime-web's wasm build in Node (the binary the browser runs; the browser worker is about
// as fast, docs/evaluation-speed.md) against onnxruntime-node on the same models, samples and batches. Every variant's
// outputs are checked against the plain wasm session's: max |difference| and top-1 agreement.
//   npx tsx scripts/bench/eval-options.ts [--models dwcnn,tinytf] [--reps 5] [--variants base,arena,...]
import { execFileSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as ortWeb from 'onnxruntime-web';
import type { EvalMode } from '../../src/protocol/eval-dto';
import { loadText } from './load-average';
import { FORMS, VARIANTS } from './eval-options/variants';
import { compare, feedsFor, openNode, openWeb, type Feeds } from './eval-options/sessions';
import type { OptionsJson } from './eval-options/json';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: 'dwcnn,tinytf' },
    reps: { type: 'string', default: '5' },
    variants: { type: 'string' },
    forms: { type: 'string', default: 'float,int8,int4' },
    /** Write docs/.eval-options.json also when --variants picks a subset. */
    write: { type: 'boolean', default: false },
  },
});
const ROOT = resolve(import.meta.dirname, '../..');
const REPS = Number(args.reps);
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-eval-options-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
ortWeb.env.wasm.numThreads = 1;

async function main() {
  const load0 = loadText();
  const json: OptionsJson = {
    commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
    machine: '',
    reps: REPS,
    variants: [],
    rows: [],
    failures: [],
  };
  console.log(
    'model | form | mode | variant | wasm samples/s (wall) | wasm samples/cpu-s | node samples/s (wall, same batch) | node samples/cpu-s | wasm/node wall | wasm/node cpu | wall / base | cpu / base | outputs vs base (medians of the rounds)',
  );
  console.log(`load average at start ${loadText()}`);
  const wanted = args.variants ? args.variants.split(',') : VARIANTS.map((v) => v.name);
  const variants = VARIANTS.filter((v) => wanted.includes(v.name));
  json.variants = variants.map((v) => ({ name: v.name, batch: v.batch, what: v.what }));
  for (const model of args.models!.split(',')) {
    const float = join(ROOT, 'test/fixtures/models', model, 'model.onnx');
    const forms = args.forms!.split(',').map((f) => {
      if (f === 'float') return { form: f, path: float, modes: ['exact'] as EvalMode[] };
      const path = join(tmp, `${model}-${f}.onnx`);
      execFileSync(
        'node',
        [join(ROOT, 'bin/qstudio.mjs'), 'quantize', float, '-o', path, ...FORMS[model][f]],
        {
          stdio: 'ignore',
        },
      );
      return { form: f, path, modes: ['exact', 'deployed'] as EvalMode[] };
    });
    const feedCache = new Map<number, Feeds>();
    for (const { form, path, modes } of forms) {
      const bytes = new Uint8Array(readFileSync(path));
      for (const mode of modes) {
        // Every variant's session (and onnxruntime-node's at the variant's batch) open at once; the rounds alternate
        // them, so a change in the machine's load hits all alike. One warm-up pass each.
        const open = [];
        for (const v of variants) {
          if (!feedCache.has(v.batch)) feedCache.set(v.batch, await feedsFor(model, float, v.batch));
          const feeds = feedCache.get(v.batch)!;
          try {
            const web = await openWeb(bytes, feeds, v, mode);
            const node = await openNode(bytes, feeds, mode);
            const warm = await web.pass();
            await node.pass();
            // The process's first pass runs the wasm kernels through V8's baseline compiler (Liftoff) until they are
            // hot enough for TurboFan: kept to compare with the later passes of the same session.
            json.coldPass ??= { model, form, mode, variant: v.name, wasmCpuMs: warm.cpu, steadyCpuMs: 0 };
            open.push({
              v,
              web,
              node,
              logits: warm.logits,
              webMs: [] as number[],
              nodeMs: [] as number[],
              webCpu: [] as number[],
              nodeCpu: [] as number[],
            });
          } catch (e) {
            const message = (e as Error).message.split('\n')[0];
            if (!json.failures.some((f) => f.variant === v.name))
              json.failures.push({ variant: v.name, message });
            console.log(`${model} ${form} ${mode} ${v.name}: ${message}`);
          }
        }
        for (let r = 0; r < REPS; r++)
          for (const o of open) {
            const w = await o.web.pass();
            const nd = await o.node.pass();
            o.webMs.push(w.ms);
            o.webCpu.push(w.cpu);
            o.nodeMs.push(nd.ms);
            o.nodeCpu.push(nd.cpu);
          }
        const ref = open[0];
        const classes = model === 'dwcnn' ? 10 : 2;
        for (const o of open) {
          const c = compare(ref.logits, o.logits, classes);
          const w = median(o.webMs);
          const nd = median(o.nodeMs);
          const wc = median(o.webCpu);
          const nc = median(o.nodeCpu);
          console.log(
            [
              model,
              form,
              mode,
              o.v.name,
              (1e6 / w).toFixed(0),
              (1e6 / wc).toFixed(0),
              (1e6 / nd).toFixed(0),
              (1e6 / nc).toFixed(0),
              (w / nd).toFixed(2),
              (wc / nc).toFixed(2),
              (w / median(ref.webMs)).toFixed(2),
              (wc / median(ref.webCpu)).toFixed(2),
              `max|Δ| ${c.maxAbs.toExponential(1)}, top-1 differs on ${c.top1Diff}`,
            ].join(' | '),
          );
          if (
            json.coldPass?.model === model &&
            json.coldPass.form === form &&
            json.coldPass.mode === mode &&
            json.coldPass.variant === o.v.name
          )
            json.coldPass.steadyCpuMs = wc;
          json.rows.push({
            model,
            form,
            mode,
            variant: o.v.name,
            batch: o.v.batch,
            wasmSamplesPerCpuS: 1e6 / wc,
            nodeSamplesPerCpuS: 1e6 / nc,
            wasmCpuVsBase: wc / median(ref.webCpu),
            wasmWallVsBase: w / median(ref.webMs),
            maxAbsDiff: c.maxAbs,
            top1Differs: c.top1Diff,
          });
          await o.web.release();
          await o.node.release();
        }
      }
    }
  }
  json.machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, load average ${load0} at start, ${loadText()} at end`;
  if (!args.variants || args.write) {
    writeFileSync(join(ROOT, 'docs/.eval-options.json'), JSON.stringify(json, null, 2) + '\n');
    console.log('wrote docs/.eval-options.json (rendered by scripts/bench-eval-browser.ts)');
  }
  console.log(`load average at end ${loadText()}`);
  rmSync(tmp, { recursive: true, force: true });
}
await main();
