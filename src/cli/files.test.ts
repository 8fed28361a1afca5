import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBlob } from './files';

const dir = mkdtempSync(join(tmpdir(), 'qstudio-fileblob-'));
const path = join(dir, 'f.bin');
writeFileSync(
  path,
  Uint8Array.from({ length: 100 }, (_, i) => i),
);
const read = async (b: { arrayBuffer(): Promise<ArrayBuffer> }) => [...new Uint8Array(await b.arrayBuffer())];

describe('fileBlob: slices as Blob.slice gives them', () => {
  const CASES: [string, number, number | undefined, number[]][] = [
    ['a middle range', 10, 13, [10, 11, 12]],
    ['to the end', 97, undefined, [97, 98, 99]],
    ['past the end is clipped', 98, 500, [98, 99]],
    ['an empty range', 50, 50, []],
    ['end before start is empty', 60, 40, []],
  ];
  it.each(CASES)('%s', async (_, a, b, want) => {
    const blob = fileBlob(path, 0, 100);
    expect(await read(blob.slice(a, b))).toEqual(want);
    expect(blob.slice(a, b).size).toBe(want.length);
  });

  it('a slice of a slice is relative to it', async () => {
    expect(await read(fileBlob(path, 0, 100).slice(20, 40).slice(5, 8))).toEqual([25, 26, 27]);
  });

  it('a file shortened after opening gives a short read (which the readers report), not zeros', async () => {
    const p = join(dir, 'short.bin');
    writeFileSync(p, new Uint8Array(100).fill(7));
    const blob = fileBlob(p, 0, 100);
    truncateSync(p, 60);
    expect((await blob.slice(50, 100).arrayBuffer()).byteLength).toBe(10);
  });
});
