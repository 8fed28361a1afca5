import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testModel } from '../../test/paths';
import { cliRunner } from '../../test/support/cli';

const tmp = mkdtempSync(join(tmpdir(), 'qstudio-threads-'));
const qstudio = cliRunner(tmp);
const MODEL = testModel('squeezenet1.0-fp16-winml/model_fp32_converted.onnx');

describe('qstudio quantize --threads', () => {
  const configs: [string, string[]][] = [
    ['int8 per-channel', ['--bits', '8', '--granularity', 'channel']],
    [
      'uint4 blocks',
      ['--bits', '4', '--granularity', 'block', '--block-size', '32', '--scheme', 'asymmetric'],
    ],
    ['fp16', ['--bits', 'fp16']],
  ];
  it.each(configs)('%s: worker threads write the bytes of one thread', async (label, flags) => {
    const outputs: Buffer[] = [];
    const summaries: unknown[] = [];
    for (const threads of ['1', '2', '5']) {
      const out = join(tmp, `${label.replace(/\W/g, '')}-${threads}.onnx`);
      const r = await qstudio('quantize', MODEL, '-o', out, ...flags, '--threads', threads, '--json');
      expect(r.code, r.stderr).toBe(0);
      outputs.push(readFileSync(out));
      summaries.push({ ...JSON.parse(r.stdout), durationMs: 0 });
    }
    expect(outputs[1].equals(outputs[0])).toBe(true);
    expect(outputs[2].equals(outputs[0])).toBe(true);
    expect(summaries[1]).toEqual(summaries[0]);
    expect(summaries[2]).toEqual(summaries[0]);
  });

  // The metrics' sums (metrics/error.ts's block rule) are one rule in the JS loops and the WebAssembly SIMD kernel.
  it.each(configs.slice(0, 2))(
    '%s: the JS loops write the bytes and summary of the SIMD kernel',
    async (label, flags) => {
      const run = async (kernel: string) => {
        const out = join(tmp, `${label.replace(/\W/g, '')}-${kernel}.onnx`);
        const before = process.env.QSTUDIO_KERNEL;
        process.env.QSTUDIO_KERNEL = kernel; // inherited by the child process
        try {
          const r = await qstudio('quantize', MODEL, '-o', out, ...flags, '--json');
          expect(r.code, r.stderr).toBe(0);
          return { bytes: readFileSync(out), summary: { ...JSON.parse(r.stdout), durationMs: 0 } };
        } finally {
          if (before === undefined) delete process.env.QSTUDIO_KERNEL;
          else process.env.QSTUDIO_KERNEL = before;
        }
      };
      const [js, simd] = [await run('js'), await run('simd')];
      expect(js.bytes.equals(simd.bytes)).toBe(true);
      expect(js.summary).toEqual(simd.summary);
    },
  );

  it.each(['0', '1.5', 'many'])('refuses --threads %s', async (n) => {
    const r = await qstudio('quantize', MODEL, '-o', join(tmp, 'x.onnx'), '--threads', n);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--threads must be a positive integer, got "${n}"`);
  });
});
