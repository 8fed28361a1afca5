// Ctrl-C during `qstudio quantize`: the hidden spill file next to the output goes with the run, and the exit code
// says it was interrupted (130 = 128 + SIGINT). QSTUDIO_SPILL_FROM_BYTES lowers the spill threshold (256 MiB) so a
// 64 MiB model spills.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { TensorProtoSchema } from 'onnx-buf';
import { describe, expect, it } from 'vitest';
import { buildModel, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';
import { QSTUDIO_BIN } from '../../test/support/cli';

const D = 512;
const LAYERS = 64; // 1 MiB each: fp16 of all of them takes long enough to be interrupted after the spill opens

function writeModel(path: string): void {
  const w = new Float32Array(D * D).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const model = buildModel({
    opset: 13,
    inputs: [valueInfo('x', 'float32', [1, D])],
    outputs: [valueInfo(`h${LAYERS}`, 'float32', [1, D])],
    nodes: Array.from({ length: LAYERS }, (_, i) =>
      node('MatMul', [i ? `h${i}` : 'x', `w${i}`], [`h${i + 1}`]),
    ),
    initializers: Array.from({ length: LAYERS }, (_, i) =>
      create(TensorProtoSchema, {
        name: `w${i}`,
        dataType: 1,
        dims: [BigInt(D), BigInt(D)],
        rawData: new Uint8Array(w.buffer.slice(0)),
      }),
    ),
  });
  writeFileSync(path, modelBytes(model));
}

describe('qstudio quantize interrupted', () => {
  it('SIGINT once the spill file exists: the file is removed, exit code 130, no output', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qstudio-sigint-'));
    writeModel(join(dir, 'model.onnx'));
    const child = spawn(
      'node',
      [QSTUDIO_BIN, 'quantize', 'model.onnx', '-o', 'out.onnx', '--bits', 'fp16', '--threads', '1'],
      { cwd: dir, env: { ...process.env, QSTUDIO_SPILL_FROM_BYTES: '1' }, stdio: 'ignore' },
    );
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    let done = false;
    void exited.then(() => (done = true));
    const spillFiles = () => readdirSync(dir).filter((f) => f.endsWith('.spill'));
    // Wait on the state (the spill file appears), not on time.
    while (!done && spillFiles().length === 0) await new Promise((r) => setImmediate(r));
    expect(done, 'the run ended before its spill file was seen').toBe(false);
    expect(spillFiles()).toEqual([`.out.onnx.${child.pid}.spill`]);
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 130, signal: null });
    expect(readdirSync(dir).sort()).toEqual(['model.onnx']);
  });
});
