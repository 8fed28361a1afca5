// Pins today's exported bytes (and layer metrics) per model × config as SHA-256, so speed work cannot change output.
// Regenerate only for an intended format change: QSTUDIO_UPDATE_GOLDEN=1 npx vitest run test/export-bytes.test.ts
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openModelFile } from '../src/cli/files';
import { normalizeConfig, type QuantConfig } from '../src/core/quant/config';
import { runQuantization } from '../src/core/pipeline/run';
import { readParts } from '../src/core/export/stream';
import { writeExternalModel } from './fixtures/external-model';
import { TEST_MODELS } from './support/models';
import { REPO_ROOT } from './paths';

const GOLDEN = join(REPO_ROOT, 'test/golden/export-hashes.json');
const update = process.env.QSTUDIO_UPDATE_GOLDEN === '1';

const CONFIGS: Partial<QuantConfig>[] = [
  { bits: 8, granularity: 'channel' },
  { bits: 8, granularity: 'tensor', scheme: 'asymmetric' },
  { bits: 5, granularity: 'channel', scheme: 'asymmetric' },
  { bits: 4, granularity: 'block', blockSize: 32 },
  { bits: 4, granularity: 'block', blockSize: 16, scheme: 'asymmetric', format: 'matmulnbits' },
  { bits: 3, granularity: 'channel' },
  { bits: 2, granularity: 'block', blockSize: 64, scheme: 'asymmetric' },
  { bits: 'fp16' },
];

const sha = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex').slice(0, 24);
const label = (c: Partial<QuantConfig>) =>
  [c.bits, c.scheme ?? 'symmetric', c.granularity ?? 'channel', c.blockSize, c.format]
    .filter(Boolean)
    .join('/');

const dir = mkdtempSync(join(tmpdir(), 'qstudio-bytes-'));
const MODELS = [
  ...TEST_MODELS.map((m) => ({ id: m.id, path: m.path })),
  { id: 'external-data', path: writeExternalModel(dir) },
];

const golden: Record<string, { bytes: string; metrics: string }> = update
  ? {}
  : JSON.parse(readFileSync(GOLDEN, 'utf8'));

describe('exported bytes and metrics equal the pinned ones', () => {
  for (const m of MODELS) {
    it(m.id, async () => {
      const model = await openModelFile(m.path);
      for (const c of CONFIGS) {
        const config = normalizeConfig(c);
        const { summary, file } = await runQuantization(model, config, 'golden', { now: () => 0 });
        const got = {
          bytes: sha(await readParts(file)),
          metrics: sha(
            JSON.stringify([summary.layers, summary.skipped, summary.overallSqnrDb, summary.fileBytesAfter]),
          ),
        };
        const key = `${m.id} ${label(c)}`;
        if (update) golden[key] = got;
        else expect(got, key).toEqual(golden[key]);
      }
    });
  }
  if (update)
    it('writes the golden file', () => {
      writeFileSync(GOLDEN, JSON.stringify(golden, null, 2) + '\n');
      expect(Object.keys(golden).length).toBe(MODELS.length * CONFIGS.length);
    });
});
