// The CLI on the fuzz corpus: exit code 0 or 1, a one-line `qstudio: ...` message, no stack trace, no internal
// error. A sample goes through the real binary (a process each); more cases through main() in-process.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main';
import { REPO_ROOT } from '../paths';
import { buildCorpus, FUZZ_COUNT, FUZZ_SEED } from './corpus';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'bin/qstudio.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'qstudio-cli-fuzz-'));
const corpus = buildCorpus(FUZZ_SEED, FUZZ_COUNT);

// bin/qstudio.mjs runs the compiled CLI, rebuilt from the current sources by the global setup
// (test/support/build-cli.global.ts).

function checkOutcome(id: string, code: number, stderr: string): void {
  expect([0, 1], `${id}: exit ${code}: ${stderr}`).toContain(code);
  if (code === 1) {
    expect(stderr.trim().split('\n'), id).toHaveLength(1);
    expect(stderr, id).toMatch(/^qstudio: /);
  }
  expect(stderr, id).not.toMatch(/\n\s+at |internal error/);
}

describe('qstudio on the fuzz corpus', () => {
  afterEach(() => vi.restoreAllMocks());

  it('main(): 300 cases of inspect and quantize', { timeout: 240_000 }, async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...a) => void errors.push(a.join(' ')));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const tally = { 0: 0, 1: 0 } as Record<number, number>;
    for (let i = 0; i < 300; i++) {
      const c = corpus[i * 4 + (i % 4)]; // every kind of mutation, spread over the corpus
      const file = join(tmp, `case${i}.onnx`);
      writeFileSync(file, c.bytes);
      errors.length = 0;
      const code =
        i % 2
          ? await main(['inspect', file])
          : await main(['quantize', file, '-o', join(tmp, `out${i}.onnx`)]);
      tally[code] = (tally[code] ?? 0) + 1;
      checkOutcome(c.id, code, errors.join('\n'));
    }
    expect(tally[0]).toBeGreaterThan(0);
    expect(tally[1]).toBeGreaterThan(0);
  });

  it('the real binary: 12 cases', { timeout: 240_000 }, async () => {
    for (let i = 0; i < 12; i++) {
      const c = corpus[i * 97 + 3];
      const file = join(tmp, `bin${i}.onnx`);
      writeFileSync(file, c.bytes);
      const args = i % 2 ? ['inspect', file] : ['quantize', file, '-o', join(tmp, `binout${i}.onnx`)];
      const { code, stderr } = await run('node', [BIN, ...args], { cwd: tmp }).then(
        (r) => ({ code: 0, stderr: r.stderr }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      checkOutcome(c.id, code, stderr);
    }
  });
});
