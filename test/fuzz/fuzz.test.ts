// Every hostile file ends in a model or a typed StudioError through read -> inspect -> quantize; never a plain
// crash (TypeError, RangeError from a huge allocation), never a hang. Figures: docs/reliability.md.
import { describe, expect, it } from 'vitest';
import { isStudioError } from '../../src/core/errors';
import { findWeights, parseModel, summarizeModel } from '../../src/core/onnx';
import { runQuantization } from '../../src/core/pipeline/run';
import { defaultQuantConfig, type QuantConfig } from '../../src/core/quant/config';
import { buildCorpus, FUZZ_COUNT, FUZZ_SEED, type FuzzCase } from './corpus';

const CONFIGS: QuantConfig[] = [
  defaultQuantConfig,
  { ...defaultQuantConfig, bits: 4, granularity: 'block', blockSize: 32 },
  { ...defaultQuantConfig, bits: 'fp16', includeGather: true },
];

type Outcome = { kind: 'model' | 'error'; detail: string } | { kind: 'crash'; detail: string };

/** The whole path a file takes in the studio and the CLI: read, inspect (summary + weights), quantize. */
async function runCase(c: FuzzCase, config: QuantConfig): Promise<Outcome> {
  try {
    const model = parseModel(c.bytes, 'fuzz.onnx');
    const weights = findWeights(model, { includeGather: true });
    summarizeModel(model, weights);
    const { summary } = await runQuantization(model, config, 'fuzz');
    return { kind: 'model', detail: `${summary.layers.length} layers` };
  } catch (e) {
    if (isStudioError(e)) return { kind: 'error', detail: `${e.name}: ${e.message}` };
    return { kind: 'crash', detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
}

describe('fuzz: hostile models end in a model or a StudioError', () => {
  it(`${FUZZ_COUNT} cases (seed ${FUZZ_SEED})`, { timeout: 240_000 }, async () => {
    const cases = buildCorpus(FUZZ_SEED, FUZZ_COUNT);
    expect(cases).toHaveLength(FUZZ_COUNT);
    const crashes: string[] = [];
    const slow: string[] = [];
    const tally = { model: 0, error: 0, crash: 0 };
    for (const [i, c] of cases.entries()) {
      const t0 = performance.now();
      const out = await runCase(c, CONFIGS[i % CONFIGS.length]);
      const ms = performance.now() - t0;
      tally[out.kind]++;
      if (out.kind === 'crash') crashes.push(`${c.id}: ${out.detail}`);
      // a bound, not a benchmark: a case that spins (cycle, huge dims) would take far longer than this
      if (ms > 10_000) slow.push(`${c.id}: ${Math.round(ms)} ms`);
      // error messages stay one line and short enough to show in a toast or a terminal
      if (out.kind === 'error') expect(out.detail.length, c.id).toBeLessThan(1000);
    }
    console.log(`fuzz: ${JSON.stringify(tally)}`);
    expect(crashes).toEqual([]);
    expect(slow).toEqual([]);
    expect(tally.model).toBeGreaterThan(0);
    expect(tally.error).toBeGreaterThan(0);
  });
});
