// Issue 14 option (a) vs (b), timed in one run on one model: measured sensitivity needs one model per layer with
// that layer's weights quantized. (a) The weights become plain graph inputs (no initializer), one session for
// every layer, all weights fed on every run; (b) one session per layer, built from the serialized model with that
// one initializer replaced (what src/core/sensitivity does). Same samples, one batch of 64, onnxruntime-web wasm in
// Node, one thread (the studio's runtime). Prints times and their ratio; checks both give the same outputs.
// Writes docs/sensitivity-weight-feeds.md. Run: npx tsx scripts/bench-weight-feeds.ts [--repeat 3] [--out FILE]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-web';
import { valueInfo } from '../test/fixtures/onnx-builders';
import { findWeights, parseModel, readWeight, serializeModel } from '../src/core/onnx';
import { shallowCopy } from '../src/core/onnx/proto';
import { quantizeWeight } from '../src/core/pipeline/weight';
import { normalizeConfig } from '../src/core/quant/config';
import { layerVariant, sensitivitySpec, sensitivityTargets } from '../src/core/sensitivity';
import { npyToFloat32, parseNpy } from '../src/core/samples/npy';

const { values: args } = parseArgs({
  options: {
    repeat: { type: 'string', default: '3' },
    out: { type: 'string', default: 'docs/sensitivity-weight-feeds.md' },
  },
});
ort.env.wasm.numThreads = 1;
async function bench(dir: string): Promise<string> {
  const bytes = new Uint8Array(readFileSync(join(dir, 'model.onnx')));
  const model = parseModel(bytes, 'model.onnx');
  const x = parseNpy(new Uint8Array(readFileSync(join(dir, 'calibration/inputs.npy'))), 'inputs.npy');
  const n = 64;
  const per = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const input = new ort.Tensor('float32', npyToFloat32(x).slice(0, n * per), [n, ...x.shape.slice(1)]);
  const config = normalizeConfig({ bits: 4, granularity: 'tensor' });
  const spec = sensitivitySpec(config);
  const { targets } = sensitivityTargets(model, config);
  const inputName = model.proto.graph!.input[0].name;
  const opts = { executionProviders: ['wasm'], logSeverityLevel: 3 } as const;

  // (a) weights as plain graph inputs: drop their initializers, declare them as inputs.
  const names = new Set(targets.map((t) => t.initializer));
  const graph = model.proto.graph!;
  const stored = new Map(
    graph.initializer.filter((t) => names.has(t.name)).map((t) => [t.name, t.dims.map(Number)]),
  );
  const fedProto = shallowCopy(model.proto, {
    graph: shallowCopy(graph, {
      initializer: graph.initializer.filter((t) => !names.has(t.name)),
      input: [
        ...graph.input.filter((i) => !names.has(i.name)),
        ...[...stored].map(([name, dims]) => valueInfo(name, 'float32', dims)),
      ],
    }),
  });
  const floats = new Map<string, Float32Array>();
  const quantized = new Map<string, Float32Array>();
  for (const w of findWeights(model, {}).filter((w) => names.has(w.initializer))) {
    const v = await readWeight(model, w);
    floats.set(w.initializer, v);
    quantized.set(w.initializer, quantizeWeight(v, w, spec).dequantized);
  }
  const tensor = (name: string, data: Float32Array) => new ort.Tensor('float32', data, stored.get(name)!);

  async function perLayerSessions(): Promise<Float32Array[]> {
    const outs: Float32Array[] = [];
    for (const t of targets) {
      const v = await layerVariant(model, t, spec);
      const s = await ort.InferenceSession.create(v.bytes, opts);
      outs.push((await s.run({ [inputName]: input }))[s.outputNames[0]].data as Float32Array);
      await s.release();
    }
    return outs;
  }

  async function fedWeights(): Promise<Float32Array[]> {
    const s = await ort.InferenceSession.create(serializeModel(fedProto), opts);
    const outs: Float32Array[] = [];
    for (const t of targets) {
      const feeds: Record<string, ort.Tensor> = { [inputName]: input };
      for (const [name, v] of floats)
        feeds[name] = tensor(name, name === t.initializer ? quantized.get(name)! : v);
      outs.push((await s.run(feeds))[s.outputNames[0]].data as Float32Array);
    }
    await s.release();
    return outs;
  }

  // Warm up (wasm compile), then alternate the two so load drift hits both alike.
  await perLayerSessions();
  await fedWeights();
  const times = { sessions: [] as number[], fed: [] as number[] };
  let maxDiff = 0;
  for (let r = 0; r < Number(args.repeat); r++) {
    let t = performance.now();
    const a = await perLayerSessions();
    times.sessions.push(performance.now() - t);
    t = performance.now();
    const b = await fedWeights();
    times.fed.push(performance.now() - t);
    a.forEach((o, i) => o.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - b[i][j])))));
  }
  const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
  const [ms, mf] = [median(times.sessions), median(times.fed)];
  const row = `| ${dir.split('/').at(-1)} | ${targets.length} | ${model.proto.graph!.initializer.reduce((k, t) => k + t.dims.reduce((a, d) => a * Number(d), 1), 0)} | ${ms.toFixed(0)} ms | ${mf.toFixed(0)} ms | ${(ms / mf).toFixed(2)} | ${maxDiff.toExponential(1)} |`;
  console.log(row);
  return row;
}

const rows = [];
for (const m of ['dwcnn', 'mlp']) rows.push(await bench(join('test/fixtures/models', m)));
writeFileSync(
  args.out!,
  `# Weights fed as graph inputs vs one session per layer

Written by \`npx tsx scripts/bench-weight-feeds.ts\` (onnxruntime-web ${ort.env.versions.common} wasm in Node, one
thread). Do not edit by hand.

Measured sensitivity needs, for each layer, the model with that layer's weights quantized (issue 14 option (a) vs
(b)). **Sessions**: one session per layer from the serialized model with that one initializer replaced (what
\`src/core/sensitivity\` does). **Fed**: the weights made plain graph inputs (their initializers removed), one
session for all layers, every weight fed on every run. Both run the same ${64} calibration samples as one batch for
every layer at int4 per-tensor; times are the median of ${args.repeat} alternating repetitions after a warm-up (wasm
compile), the whole loop over layers.

| model | layers | parameters | sessions | fed | sessions / fed | max output difference |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

Feeding the weights is faster on both: the time saved is serializing the model and creating a session per layer,
which on these small models costs more than the runs. Outputs differ by float rounding only (onnxruntime packs
initializer weights for its kernels ahead of time, not weights fed as inputs). What it costs: every weight is
copied into the runtime on every run (a large model copies all its weights once per layer and batch), and the
exported model's graph differs from the measured one. The studio keeps one session per layer for now; switching
is a contained change to \`measureSensitivity\`'s \`load\` (one fed session, a feed patch per layer).
`,
);
// The repository's lint checks docs with prettier too.
execFileSync('npx', ['prettier', '--write', args.out!], { stdio: 'ignore' });
console.log(`wrote ${args.out}`);
