// Accuracy of the data-free range methods (issue 14 part 3) and of mixed precision under a budget (part 2),
// printed into docs/ranges.md. Run: npx tsx scripts/bench-ranges.ts [--models DIR] [--fixtures DIR] [--fashion DIR]
// Every number is measured on evaluation samples (scripts/bench/eval-sets.ts: the large sets when present); only the
// measured-sensitivity table reads calibration samples, kept apart from them.
import { execFileSync } from 'node:child_process';
import { existsSync, openAsBlob, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { MIXED_WIDTHS, type Candidate } from '../src/core/mixed/candidates';
import { measuredLossFromSensitivity } from '../src/core/sensitivity/losses';
import { createEvaluateApi } from '../src/workers/evaluate.api';
import { evalSplit, FASHION, type EvalSplit } from './bench/eval-sets';
import { discordant, signTestP } from './bench/eval-split';
import { loadSamples, predict, scoreAgainst, type Prediction, type Samples } from './bench/ort-predict';
import { runWithBudget } from '../src/core/mixed/run';
import { parseModel } from '../src/core/onnx';
import { testModel } from '../test/paths';
import { runQuantization } from '../src/core/pipeline/run';
import { normalizeConfig, type QuantConfig } from '../src/core/quant/config';

const { values: args } = parseArgs({
  options: {
    // The public test models and their sample sets, assembled from test/data (test/paths.ts).
    models: { type: 'string' },
    fixtures: { type: 'string', default: 'test/fixtures/models' },
    // Debian's dataset-fashion-mnist: the fixtures' full test split when installed.
    fashion: { type: 'string', default: FASHION },
    out: { type: 'string', default: 'docs/ranges.md' },
  },
});

interface Case {
  id: string;
  model: string;
  /** Fixed batch of 1 in the graph: run sample by sample. */
  batch1: boolean;
}

const modelsDir = args.models ?? dirname(testModel('mnist-8'));
const CASES: Case[] = [
  ...['dwcnn', 'mlp', 'tinytf'].map((id) => ({
    id,
    model: join(args.fixtures!, id, 'model.onnx'),
    batch1: false,
  })),
  ...['mnist-8', 'mnist-onnx-mlir', 'iris-mlp-winml'].map((id) => ({
    id,
    model: join(modelsDir, id, 'model.onnx'),
    batch1: id !== 'iris-mlp-winml',
  })),
];
const FIXTURES = new Set(['dwcnn', 'mlp', 'tinytf']);
const label = (id: string) => (FIXTURES.has(id) ? `${id} (fixture)` : id);

type Scores = ReturnType<typeof scoreAgainst>;

async function bench(c: Case): Promise<string[] | null> {
  const split = existsSync(c.model)
    ? evalSplit(c.id, { fixtures: args.fixtures!, models: modelsDir, tmp: TMP, fashion: args.fashion })
    : null;
  if (!split) return null;
  splits.push(`- **${label(c.id)}**: ${split.note}.`);
  const bytes = new Uint8Array(readFileSync(c.model));
  const model = parseModel(bytes, 'model.onnx');
  const samples = loadSamples(split.evalDir);
  const labels = samples.labels;
  const float = await predict(bytes, samples, c.batch1);
  const raw: Record<string, Scores> = {};
  const preds: Record<string, Prediction> = {};
  const score = (p: Prediction, name: string) => {
    preds[name] = p;
    raw[name] = scoreAgainst(p, float, labels);
    return `${raw[name].acc.toFixed(2)} (${raw[name].agree.toFixed(2)})`;
  };
  const cfg = (o: Partial<QuantConfig>) => normalizeConfig({ bits: 4, scheme: 'symmetric', ...o });
  const variants: [string, QuantConfig][] = [
    ['rtn-pt', cfg({ granularity: 'tensor' })],
    ['rtn-pc', cfg({ granularity: 'channel' })],
    ['mse-pt', cfg({ granularity: 'tensor', clip: 'mse' })],
    ['cle-mse-pt', cfg({ granularity: 'tensor', clip: 'mse', equalize: true })],
  ];
  const cells: Record<string, string> = {};
  const notes: string[] = [];
  for (const [name, config] of variants) {
    const r = await runQuantization(model, config, name);
    cells[name] = score(await predict(r.bytes, samples, c.batch1), name);
    if (name === 'cle-mse-pt')
      notes.push(...r.summary.notes.filter((n) => n.startsWith('equalized') || n.startsWith('equalize:')));
  }
  const mixed = await runWithBudget(model, cfg({ granularity: 'channel' }), { targetBits: 4.5 }, 'mixed');
  const rtnPc = await runQuantization(model, variants[1][1], 'rtn-pc-bits');
  const storedBits = (layers: { elements: number; bytesAfter: number }[]) =>
    (8 * layers.reduce((s, l) => s + l.bytesAfter, 0)) / layers.reduce((s, l) => s + l.elements, 0);
  cells.mixed = `${score(await predict(mixed.bytes, samples, c.batch1), 'mixed')}, ${mixed.assignment.averageBits.toFixed(2)} b`;
  const db = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} dB` : 'exact');
  cells.fidelity = `${db(raw['rtn-pc'].sqnr)} → ${db(raw.mixed.sqnr)}`;
  measuredRows.push(await withMeasured(c, model, split, samples, float, preds['rtn-pc']));
  const chosen = Object.entries(mixed.assignment.chosen)
    .map(([n, b]) => `${n}: ${b}`)
    .join(', ');
  console.error(`${c.id}: ${JSON.stringify(cells)}\n  ${notes.join('\n  ')}\n  mixed: ${chosen}`);
  const verdict = (a: number, b: number) => (a > b ? 'beats it' : a === b ? 'ties' : 'does not beat it');
  for (const k of ['acc', 'agree', 'sqnr'] as const) {
    if (raw.mixed[k] > raw['rtn-pc'][k]) wins[k]++;
    if (raw.mixed[k] === raw['rtn-pc'][k]) ties[k]++;
  }
  if (raw.mixed.sqnr < raw['rtn-pc'].sqnr)
    proxyWorse.push(`${label(c.id)} (${raw.mixed.sqnr.toFixed(1)} vs ${raw['rtn-pc'].sqnr.toFixed(1)} dB)`);
  wins.models++;
  const d = (a: number, b: number) => `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)}`;
  const checks = [
    `mixed 4.5 vs uniform int4 RTN pc: accuracy ${d(raw.mixed.acc, raw['rtn-pc'].acc)}, agreement ${d(raw.mixed.agree, raw['rtn-pc'].agree)} points, output SQNR ${d(raw.mixed.sqnr, raw['rtn-pc'].sqnr)} dB` +
      ` (${verdict(raw.mixed.acc, raw['rtn-pc'].acc)} in accuracy, ${verdict(raw.mixed.agree, raw['rtn-pc'].agree)} in agreement, ${verdict(raw.mixed.sqnr, raw['rtn-pc'].sqnr)} in output SQNR)`,
    `CLE + MSE pt vs RTN pc: ${d(raw['cle-mse-pt'].acc, raw['rtn-pc'].acc)} points (${Math.abs(raw['cle-mse-pt'].acc - raw['rtn-pc'].acc) <= 2 ? 'within' : 'not within'} 2); vs RTN pt: ${d(raw['cle-mse-pt'].acc, raw['rtn-pt'].acc)}`,
  ];
  return [
    `| ${label(c.id)} | ${labels.length} | ${score(float, 'float')} | ${cells['rtn-pt']} | ${cells['rtn-pc']} (${storedBits(rtnPc.summary.layers).toFixed(2)} b) | ${cells['mse-pt']} | ${cells['cle-mse-pt']} | ${cells.mixed} | ${cells.fidelity} |`,
    `- **${label(c.id)}**: ${checks.join('; ')}.\n  Mixed assignment: ${chosen}.\n  ${notes.join('; ')}`,
  ];
}

/** Calibration samples each layer's loss is measured on (as `qstudio quantize --calibration`'s default). */
const MEASURE_SAMPLES = 64;

/** Every width the solver picks from, each layer alone, on the calibration samples (onnxruntime-web, one thread). */
async function measure(modelPath: string, calibration: string, config: QuantConfig) {
  ortWeb.env.wasm.numThreads = 1;
  const api = createEvaluateApi(ortWeb, { pause: () => Promise.resolve() });
  await api.loadSamples(
    await Promise.all(
      readdirSync(calibration)
        .filter((f) => f.endsWith('.npy'))
        .map(async (f) => ({ path: f, blob: await openAsBlob(join(calibration, f)) })),
    ),
  );
  const float = { blob: await openAsBlob(modelPath), label: 'model.onnx' };
  const reports = [];
  // The budget's end-to-end refinement runs whole assignments on the same calibration samples.
  const refine = {
    measure: (assignments: Record<string, Candidate>[]) =>
      api.measureAssignments({
        float,
        config,
        source: 'samples',
        preprocess: null,
        maxSamples: MEASURE_SAMPLES,
        assignments,
      }),
  };
  for (const bits of MIXED_WIDTHS)
    reports.push(
      await api.sensitivity({
        float,
        config: { ...config, bits },
        source: 'samples',
        preprocess: null,
        maxSamples: MEASURE_SAMPLES,
      }),
    );
  return { loss: measuredLossFromSensitivity(reports), refine };
}

/**
 * Mixed 4.5 from measured sensitivity (calibration samples) against uniform int4 and the proxy's mixed 4.5, on the
 * same evaluation samples as the first table, which the measurement never sees.
 */
async function withMeasured(
  c: Case,
  model: ReturnType<typeof parseModel>,
  split: EvalSplit,
  samples: Samples,
  float: Prediction,
  uniformPred: Prediction,
): Promise<string> {
  const uniform = scoreAgainst(uniformPred, float, samples.labels);
  const pc = normalizeConfig({ bits: 4, scheme: 'symmetric', granularity: 'channel' });
  const { loss, refine } = await measure(c.model, split.calibrationDir, pc);
  const run = async (b: Uint8Array) =>
    scoreAgainst(await predict(b, samples, c.batch1), float, samples.labels);
  const proxy = await runWithBudget(model, pc, { targetBits: 4.5 }, 'mp');
  const measured = await runWithBudget(model, pc, { targetBits: 4.5 }, 'mm', { measured: loss });
  const refined = await runWithBudget(model, pc, { targetBits: 4.5 }, 'mr', { measured: loss, refine });
  const refinedPred = await predict(refined.bytes, samples, c.batch1);
  const [pr, m0, m] = [
    await run(proxy.bytes),
    await run(measured.bytes),
    scoreAgainst(refinedPred, float, samples.labels),
  ];
  const r = refined.assignment.refinement!;
  const db = (nsr: number) => `${(-10 * Math.log10(nsr)).toFixed(1)} dB`;
  const win = r.evaluated[r.winner];
  const uni = r.evaluated[0];
  const cell = (r: Scores) => `${r.acc.toFixed(2)} (${r.agree.toFixed(2)}), ${r.sqnr.toFixed(1)} dB`;
  const floatAcc = scoreAgainst(float, float, samples.labels).acc;
  for (const k of ['acc', 'agree', 'sqnr'] as const) {
    if (m[k] > uniform[k]) measuredWins[k]++;
    if (m[k] === uniform[k]) measuredTies[k]++;
  }
  const n = samples.count;
  // Paired: samples only the refined model gets right against samples only uniform int4 gets right.
  // The same against the float model's classes: samples only one of them agrees with float on.
  const paired = (truth: ArrayLike<number>, list: string[]) => {
    const [a, b] = discordant(refinedPred, uniformPred, truth);
    const p = signTestP(a, b);
    const pText = p < 0.001 ? p.toExponential(0) : p.toFixed(p < 0.1 ? 3 : 2);
    if (p < 0.05) list.push(`${label(c.id)} (+${a} / −${b}, p ${pText})`);
    return `+${a} / −${b}, p ${pText}`;
  };
  const pairedTop1 = paired(samples.labels, significant);
  const pairedAgree = paired(float, significantAgree);
  if (m.acc < uniform.acc)
    lost.push(
      `${label(c.id)} (${(m.acc - uniform.acc).toFixed(2)} points = ${Math.round(((uniform.acc - m.acc) * n) / 100)} of ${n} samples)`,
    );
  if (uniform.acc >= floatAcc - 1e-9)
    atCeiling.push(`${label(c.id)} (${uniform.acc.toFixed(2)} vs float ${floatAcc.toFixed(2)})`);
  steps.push(`${(100 / n).toFixed(n >= 1000 ? 2 : 0)} (${label(c.id)}: ${n})`);
  measuredWins.models++;
  const chosen = Object.entries(refined.assignment.chosen)
    .map(([name, b]) => `${name}: ${b}`)
    .join(', ');
  return (
    `| ${label(c.id)} | ${n} | ${split.calibrationCount} | ${floatAcc.toFixed(2)} | ${cell(uniform)} | ` +
    `${cell(pr)}, ${proxy.assignment.averageBits.toFixed(2)} b | ${cell(m0)}, ${measured.assignment.averageBits.toFixed(2)} b | ` +
    `**${cell(m)}**, ${refined.assignment.averageBits.toFixed(2)} b | ${pairedTop1} | ${pairedAgree} | ${r.evaluated.length}; kept ${win.label}: ${db(win.loss)} vs ${uni.label} ${db(uni.loss)} | ${chosen} |`
  );
}

/** Models on which mixed 4.5 from measured sensitivity beats uniform int4 RTN pc, per measure. */
const measuredWins = { models: 0, acc: 0, agree: 0, sqnr: 0 };
const measuredTies = { acc: 0, agree: 0, sqnr: 0 };
const measuredRows: string[] = [];
/** Models whose uniform int4 already scores at least the float model's top-1 on the evaluation samples. */
const atCeiling: string[] = [];
/** Models on which the refined mixed 4.5 scores below uniform int4 in top-1, and by how many samples. */
const lost: string[] = [];
/** Models on which the refined mixed 4.5's top-1 differs from uniform int4's by more than chance (sign test, 5 %). */
const significant: string[] = [];
/** The same for agreement with the float model's top-1. */
const significantAgree: string[] = [];
/** Top-1 step (100 / evaluation samples) per model. */
const steps: string[] = [];
/** Each model's evaluation and calibration sets, as the loader describes them. */
const splits: string[] = [];
const TMP = join(tmpdir(), 'qstudio-bench-ranges');

/** Models on which mixed 4.5 beats uniform int4 RTN pc, per measure. */
const wins = { models: 0, acc: 0, agree: 0, sqnr: 0 };
const ties = { acc: 0, agree: 0, sqnr: 0 };
/** Models on which the proxy's mixed 4.5 has a lower output SQNR than uniform int4, although no layer has fewer bits. */
const proxyWorse: string[] = [];
const rows: string[] = [];
const details: string[] = [];
const missing: string[] = [];
for (const c of CASES) {
  const r = await bench(c);
  if (r) {
    rows.push(r[0]);
    details.push(r[1]);
  } else missing.push(label(c.id));
}

const doc = `# Better ranges without data, and mixed precision under a budget: measured quality

Printed by \`npx tsx scripts/bench-ranges.ts\` (onnxruntime-node ${ort.env.versions.common}, CPU). Do not edit by hand.

Top-1 accuracy in % on each model's **evaluation** samples, with top-1 agreement with the float model in brackets.
All variants are weight-only, int4 symmetric, round half to even. None of the methods in the first table reads a
sample (clip ranges and equalization are computed from the weights alone, and the mixed-precision loss is the
weight-error proxy), so no calibration set is involved and the evaluation samples are never seen by the quantizer.
The second table (mixed precision from measured sensitivity) reads calibration samples kept apart from evaluation.
Both tables evaluate each model on the same set (listed here, as \`scripts/bench/eval-sets.ts\` found
them when the script ran; the large sets replace the committed 1,000-sample ones where their source is present):

${splits.join('\n')}

- **RTN pt / pc**: round-to-nearest with min/max ranges, per tensor / per output channel (stored bits per weight,
  scales included, in brackets).
- **MSE pt**: per tensor, clip range chosen to minimise weight reconstruction MSE (\`--clip mse\`).
- **CLE + MSE pt**: cross-layer equalization (\`--equalize\`), then MSE clipping, per tensor.
- **mixed 4.5**: per-channel, bits per layer from {2, 3, 4, 5, 6, 8, float} chosen by the budget solver for an average
  of 4.5 bits per weight carried by the levels (\`--target-bits 4.5\`; 4-bit per-channel counts as 4), with the
  data-free weight-error proxy (each layer's weight noise-to-signal ratio); no layer goes below the widest uniform
  width the budget affords (4 bits here), so every layer has at least the bits of uniform int4. The average
  reached follows.
- **output SQNR**: 10·log10 of the float model's output energy over the energy of the difference between the float
  and the quantized outputs, over all evaluation samples: a continuous measure of fidelity to the float model,
  which unlike top-1 does not move by whole samples.

Why mixed precision can lose to uniform int4 in top-1 accuracy although every layer has at least as many bits:
quantization noise flips borderline samples both ways, so a model closer to float can score a few samples lower,
and where uniform int4 already scores the float accuracy nothing can beat it except by luck. Output SQNR and
agreement with float are the measures the solver aims at.

What the proxy cannot see: how much of a layer's weight noise reaches the outputs. Enumerating every assignment
of the three MLPs (on the earlier 1,000-sample evaluation sets) showed that upgrading the last layer buys most output SQNR (mlp: 4/4/8 gives 31.9 dB, 4/6/4 only
27.3 dB, from 26.8 dB at 4/4/4). A data-free estimate of that damping (each later layer's ‖W‖²_F / (fan-in · σ²_max),
multiplied along the path to the outputs) was tried: it moved iris-mlp-winml's extra bits to the last layer (+2
samples) but lost 0.6 points on the dwcnn fixture, so it is not used. Measured per-layer sensitivity on the
user's samples (\`MeasuredLoss\`, issue 14 part 1) is the answer; with it the solver drops the uniform floor.
The uniform floor keeps every layer at ≥ 4 bits here, so mixed precision is never worse than uniform int4 layer by
layer.

| model | eval samples | float | RTN pt | RTN pc | MSE pt | CLE + MSE pt | mixed 4.5 | output SQNR: RTN pc → mixed 4.5 |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Mixed 4.5 (proxy) beats uniform int4 RTN pc in output SQNR on ${wins.sqnr} of ${wins.models} models, in agreement with
float on ${wins.agree} of ${wins.models} (ties on ${ties.agree}), in top-1 accuracy on ${wins.acc} of ${wins.models} (ties on ${ties.acc}).
Its output SQNR is lower than uniform int4's on ${proxyWorse.length ? proxyWorse.join(', ') : 'none of them'}: more bits
in one layer do not always bring the outputs closer to float, because the errors of different layers partly cancel.
(On tinytf, a one-off check when the large sets were added: raising \`onnx::MatMul_214\` alone from 4 to 8 bits,
every other layer at 4, lowers output SQNR from 31.3 to 28.4 dB on the evaluation set and from 30.4 to 28.1 dB on
the calibration set; the proxy gives that layer 5 bits.) The measured, refined budget below compares whole assignments on
calibration samples, so such interactions count in what it keeps.

## Mixed 4.5 with measured sensitivity

The same budget (\`--target-bits 4.5\`, per-channel, symmetric) with each layer's loss **measured**: every layer
quantized alone at every candidate width (2, 3, 4, 5, 6, 8) on ${MEASURE_SAMPLES} calibration samples, output KL vs
float (\`qstudio quantize --target-bits 4.5 --calibration … --no-refine\`). With measured loss the solver has no
uniform floor: it may give 3 or 2 bits to robust layers to pay for 5–8 bits on sensitive ones. The solver adds the
layers' losses, but a model's loss is not additive, so **refined** (the default, \`qstudio quantize --target-bits 4.5
--calibration …\`) then evaluates whole assignments on the same ${MEASURE_SAMPLES} calibration samples — uniform int4
(the widest uniform width the budget affords, always evaluated first), int4 plus the leftover bits spent by the
solver, the solver's answer on measured loss, the solver's answer on the weight-error proxy, then rounds of greedy
local moves from the best (raise the layer with the largest predicted gain per bit, pay by lowering the cheapest
layers), at most 12 whole-model runs — and keeps the one with the least output noise-to-signal ratio vs float on
calibration (the highest calibration output SQNR), within the budget. So on calibration it is never worse than uniform
int4; the table shows how that carries to evaluation samples. "refined: evaluated" gives the number of
configurations run whole, the one kept and its calibration output SQNR against uniform int4's. (KL was the first
choice of loss and was tried: on mnist-8 the softmax saturates and every assignment's KL underflows to about
1e-271, so it cannot tell them apart; on iris-mlp-winml, with 50 calibration samples, it kept the proxy's answer,
which scored 3 points below the measured solver's on evaluation.) Everything below is evaluated on the same
evaluation samples as the table above, which the measurement never sees; "calibration" is the size of the separate
calibration set (the first ${MEASURE_SAMPLES} of it are read). Cells: top-1 % (agreement with float %), output SQNR.

| model | eval samples | calibration | float | uniform int4 RTN pc | mixed 4.5, proxy | mixed 4.5, measured (solver only) | mixed 4.5, measured + refined | refined vs uniform, top-1: samples won / lost, sign test | refined vs uniform, agreement: won / lost, sign test | refined: evaluated | refined assignment |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${measuredRows.join('\n')}

Mixed 4.5 from measured sensitivity, refined, beats uniform int4 RTN pc on the evaluation samples in top-1 accuracy
on ${measuredWins.acc} of ${measuredWins.models} models (ties on ${measuredTies.acc}), in agreement with float on
${measuredWins.agree} of ${measuredWins.models} (ties on ${measuredTies.agree}), in output SQNR on ${measuredWins.sqnr}
of ${measuredWins.models} (ties on ${measuredTies.sqnr}). It scores below uniform int4 in top-1 on
${lost.length ? lost.join(', ') : 'none of them'}. Uniform int4 RTN pc already scores the float model's top-1
accuracy or more on ${atCeiling.length ? atCeiling.join(', ') : 'none of them'}: there a variant can beat it in top-1
only by scoring above float, that is by luck in which borderline samples flip. Top-1 moves in steps of (points,
with the evaluation samples): ${steps.join(', ')}. Whether a difference is more than noise is what the "won / lost"
columns tell: the samples only the refined model classifies right and those only uniform int4 does (for agreement:
the samples only one of them classifies as the float model does), with the two-sided exact sign test (McNemar) of
that split. The top-1 difference is unlikely to be chance (p < 0.05) on
${significant.length ? significant.join(', ') : 'none of the models'}; the agreement difference on
${significantAgree.length ? significantAgree.join(', ') : 'none of the models'}.

Details:

${details.join('\n')}
${missing.length ? `\nNot measured (model not present when the script ran): ${missing.join(', ')}.\n` : ''}`;
writeFileSync(args.out!, doc);
// The repository's lint checks docs with prettier too.
execFileSync('npx', ['prettier', '--write', args.out!], { stdio: 'ignore' });
console.error(`wrote ${args.out}`);
