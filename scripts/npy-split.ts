// Benchmarks only: split a sample folder (inputs.npy + labels.npy) in two, so that a model with one shared sample
// set gets a calibration set kept apart from its evaluation set.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseNpy } from '../src/core/samples/npy';

/** Write `out/calibration` (the first `count` samples) and `out/eval` (the rest); null when `src` has no set. */
export function splitSampleSet(src: string, out: string, count: number): string | null {
  if (!existsSync(join(src, 'inputs.npy')) || !existsSync(join(src, 'labels.npy'))) return null;
  for (const [set, from, to] of [
    ['calibration', 0, count],
    ['eval', count, Infinity],
  ] as const) {
    mkdirSync(join(out, set), { recursive: true });
    for (const f of ['inputs.npy', 'labels.npy']) {
      const bytes = new Uint8Array(readFileSync(join(src, f)));
      const npy = parseNpy(bytes, f);
      if (bytes[6] !== 1) throw new Error(`${f}: only .npy version 1 headers are rewritten`);
      const n = npy.shape[0];
      const per = npy.data.byteLength / n;
      const end = Math.min(to, n);
      // The version-1 header with the first dimension rewritten, padded so the data stays 64-byte aligned.
      const len = bytes[8] | (bytes[9] << 8);
      const old = new TextDecoder().decode(bytes.subarray(10, 10 + len)).trim();
      const dict = old.replace(/'shape': \((\d+)/, `'shape': (${end - from}`);
      const pad = (64 - ((10 + dict.length + 1) % 64)) % 64;
      const head = new TextEncoder().encode(dict + ' '.repeat(pad) + '\n');
      const pre = new Uint8Array([
        0x93,
        0x4e,
        0x55,
        0x4d,
        0x50,
        0x59,
        1,
        0,
        head.length & 255,
        head.length >> 8,
      ]);
      writeFileSync(join(out, set, f), Buffer.concat([pre, head, npy.data.subarray(from * per, end * per)]));
    }
  }
  return out;
}
