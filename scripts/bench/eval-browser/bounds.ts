// The sections of docs/evaluation-speed.md that say what bounds the browser and what was tried, rendered from the
// JSON the two measuring scripts write: docs/.eval-ops.json (scripts/bench/eval-ops.ts, kernel time per operator) and
// docs/.eval-options.json (scripts/bench/eval-options.ts, session options, batch sizes, execution providers).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpsJson } from '../eval-ops';
import type { OptionsJson } from '../eval-options/json';

const geomean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const mdTable = (header: string[], body: string[][]) =>
  [header, header.map(() => '---'), ...body].map((r) => `| ${r.join(' | ')} |`).join('\n');
const ratio = (a: number, b: number) => (a > 0 && b > 0 ? (a / b).toFixed(2) : '–');
const readJson = <T>(path: string): T | null =>
  existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : null;

/** What limits the browser's speed, in words; the two sections below give the numbers. */
export const limitsSection = (): string[] => [
  '## What limits it',
  '',
  "- **The runtime, not the browser or the studio.** The *wasm in node* column runs the same onnxruntime-web wasm binary in Node, without a browser, a worker or the studio's code: the browser worker is about as fast (ratio in the summary), so the gap to onnxruntime-node is the wasm build's kernels (128-bit wasm SIMD) against the native CPU kernels (this CPU has AVX-512). The operator table below shows where: on dwcnn, native convolutions run in the NCHWc blocked layout (x86 only), with depthwise convolutions an order of magnitude faster than the wasm build's; on tinytf, Softmax, LayerNormalization and MatMul are several times faster natively. Against native without NCHWc the same dwcnn kernels are ~2.2× apart: the rest of the float gap is the NCHWc kernels, which only the native build has. No session option, batch size or execution provider available to the wasm build changed the wasm time by more than the noise (the table of what was tried), so ≤ 2× is out of reach on these float models and their exact-mode forms with onnxruntime-web's wasm build on this CPU; it is met, or nearly, only where onnxruntime-node runs the plain kernels too (deployed QDQ Conv forms).",
  "- **Other backends.** onnxruntime-web 1.30 has no XNNPACK execution provider (`executionProviders: ['xnnpack']` is refused, below; the wasm binary only names it). WebNN needs the full `onnxruntime-web` bundle, which registers it on its JSEP wasm binary (the studio loads `onnxruntime-web/wasm`, which registers only `cpu` and `wasm`) and a browser exposing `navigator.ml`: this Chromium (Debian, 156) does not, even with `--enable-features=WebMachineLearningNeuralNetwork`. WebGPU was not measured (Chromium runs with `--disable-gpu`). The `simd: 'relaxed'` flag only checks support: there is one wasm binary.",
  "- **What the studio adds** is the gap between *browser (runs)* and *browser (whole step)*: session creation, building inputs, output conversion and metrics. Inputs are built once per evaluation and shared by every model (`createFeedBuilder`, within `INPUT_CACHE_BYTES`); dynamic-batch models run in batches (32 by default: 128 or all 1,000 samples in one run were within 3 % on the geometric mean, inside the noise, below); the latency benchmark reuses the evaluation's sessions instead of creating them again. A CPU profile of the evaluate API in Node (dwcnn float, batch 32, six evaluations) put the studio's own JavaScript at ≈ 45 ms of CPU per evaluation against ≈ 600–850 ms in all: most of it the one-off check that the samples fit the input (`checkSamplesFit`), a few ms the per-run work (feeds, output conversion, metrics, pauses for messages); the rest of the step's gap is session creation and the machine's load. Pre-allocated output tensors are not an option on this path: onnxruntime-web 1.30 copies a CPU output tensor into the wasm heap and hands back the caller's tensor without the run's values (its `ort.wasm.mjs`; `scripts/bench/eval-options.ts --variants base,prealloc-out` on the float models: another top-1 on 902 of 1,000 dwcnn samples and 499 of 1,000 tinytf samples).",
  "- **Threads.** 2 threads on this 2-core machine shared with other jobs were slower than 1 for both runtimes (the second thread waits for a core), so the studio takes half the logical cores, at most 4 — onnxruntime-web's own default rule — which is 1 here and 2–4 on common 4–8-core machines. The results say the thread count and why (`report.runtime`).",
  "- **Quantized forms.** In *exact* mode every form runs at float speed by construction (DequantizeLinear folded at load). In *deployed* mode the forms differ by little: the same row measured in two runs differs by up to ±40 % on this loaded machine (the before/after table), so one run does not settle their order. The rows closest to 2× are deployed QDQ Conv models, where onnxruntime-node itself is ~3× slower than in exact mode: the operator table (dwcnn int8, deployed) shows why — a Conv whose weight comes from a DequantizeLinear node does not get the NCHWc layout, so native runs the same plain NCHW convolutions as with `'extended'`, while the DequantizeLinear nodes themselves cost little. That ratio, ~2×, is what the wasm SIMD kernels cost against the same native kernels.",
  '',
];

/** Kernel time per operator group: what the wasm build loses against native, and where. */
export function opsSection(root: string): string[] {
  const ops = readJson<OpsJson>(join(root, 'docs/.eval-ops.json'));
  if (!ops) return [];
  const body = ops.models.flatMap(({ model, groups, total }) => [
    ...groups
      .filter((g) => g.wasmUs >= 0.03 * total.wasmUs || g.nativeUs >= 0.03 * total.nativeUs)
      .map((g) => [
        model,
        g.kind,
        String(g.nodes),
        `${((100 * g.wasmUs) / total.wasmUs).toFixed(0)} %`,
        g.wasmUs.toFixed(0),
        g.nativeUs.toFixed(0),
        ratio(g.wasmUs, g.nativeUs),
        g.nativeNoNchwcUs.toFixed(0),
        ratio(g.wasmUs, g.nativeNoNchwcUs),
      ]),
    [
      model,
      '**every node**',
      '',
      '100 %',
      total.wasmUs.toFixed(0),
      total.nativeUs.toFixed(0),
      `**${ratio(total.wasmUs, total.nativeUs)}**`,
      total.nativeNoNchwcUs.toFixed(0),
      ratio(total.wasmUs, total.nativeNoNchwcUs),
    ],
  ]);
  return [
    '## What bounds it: the kernels, operator by operator',
    '',
    `Written from \`docs/.eval-ops.json\` (\`npx tsx scripts/bench/eval-ops.ts\`, commit ${ops.commit}; ${ops.machine}). onnxruntime's own profiler, kernel time of every node in one run of ${ops.batch} samples, 1 thread, the studio's session options (float models in exact mode; dwcnn's int8 form, made by the CLI, in deployed mode, where the QDQ nodes are kept): onnxruntime-web's wasm build in Node (the binary the browser runs) after ${ops.warmup} warm-up runs, and onnxruntime-node (native). Each node's time is the best of ${ops.rounds} × ${ops.runs} runs (the shortest leaves out preemption by the machine's other jobs). *Native, no NCHWc* is onnxruntime-node with \`graphOptimizationLevel: 'extended'\`, which leaves out the NCHWc layout transform: x86-only blocked-layout convolution kernels (AVX-512 here) that the wasm build does not have. Groups under 3 % of both runs are counted in *every node* only. The profiler adds a little per node, more in wasm.`,
    '',
    mdTable(
      [
        'model',
        'operator group',
        'nodes',
        'share of wasm time',
        'wasm µs',
        'native µs',
        'wasm / native',
        'native, no NCHWc µs',
        'wasm / native, no NCHWc',
      ],
      body,
    ),
    '',
  ];
}

/** What was tried to speed up the wasm runs, with the outcome, from docs/.eval-options.json. */
export function optionsSection(root: string): string[] {
  const opt = readJson<OptionsJson>(join(root, 'docs/.eval-options.json'));
  if (!opt) return [];
  const rows = opt.variants
    .filter((v) => v.name !== 'base')
    .flatMap((v) => {
      const rs = opt.rows.filter((r) => r.variant === v.name);
      if (!rs.length) return [];
      const cpu = rs.map((r) => r.wasmCpuVsBase);
      return [
        [
          v.what,
          geomean(cpu).toFixed(2),
          `${Math.min(...cpu).toFixed(2)}–${Math.max(...cpu).toFixed(2)}`,
          String(rs.length),
          Math.max(...rs.map((r) => r.maxAbsDiff)).toExponential(1),
          String(Math.max(...rs.map((r) => r.top1Differs))),
        ],
      ];
    });
  const base = opt.rows.filter((r) => r.variant === 'base');
  const cold = opt.coldPass;
  return [
    '## What was tried on the wasm runs',
    '',
    `Written from \`docs/.eval-options.json\` (\`npx tsx scripts/bench/eval-options.ts\`, commit ${opt.commit}; ${opt.machine}). onnxruntime-web's wasm build in Node, 1 thread, on ${[...new Set(base.map((r) => r.model))].join(' and ')}: the float model and an int8 and an int4 form, each in both modes (${base.length} rows). Every variant's session stays open and the ${opt.reps} rounds alternate them (onnxruntime-node at the same batch in between), so load changes hit all alike; the measure is the process's **CPU time** per pass over the 1,000 samples (one thread per runtime and nothing else running in the process), because wall time on this shared machine was often several times the CPU time and varied by more than the effects sought. *CPU time / base* is the variant's median over the plain session's (the studio's options, batch 32), as a geometric mean over the rows: below 1 is faster. Outputs are compared with the plain session's on every sample.`,
    '',
    mdTable(
      [
        'variant',
        'wasm CPU time / base (geometric mean)',
        'range over rows',
        'rows',
        'max abs logit difference',
        'max samples with another top-1',
      ],
      rows,
    ),
    '',
    `Plain session (batch 32), wasm / native CPU time: ${base.map((r) => `${r.model} ${r.form}${r.form === 'float' ? '' : ` ${r.mode}`} ${ratio(r.nodeSamplesPerCpuS, r.wasmSamplesPerCpuS)}×`).join(', ')}.`,
    '',
    ...opt.failures.map((f) => `- **${f.variant}**: refused by onnxruntime-web 1.30 — \`${f.message}\`.`),
    ...(cold && cold.steadyCpuMs > 0
      ? [
          `- **The first pass of a fresh process** (${cold.model} ${cold.form}, 1,000 samples) took ${cold.wasmCpuMs.toFixed(0)} ms of CPU against ${cold.steadyCpuMs.toFixed(0)} ms for the same session's later passes (${ratio(cold.wasmCpuMs, cold.steadyCpuMs)}×). V8 first runs wasm through its baseline compiler (Liftoff) and moves hot functions to TurboFan; single runs of a fresh process were several times slower in wall time while that happened, but over a whole pass the CPU time says how much it costs.`,
        ]
      : []),
    '',
  ];
}
