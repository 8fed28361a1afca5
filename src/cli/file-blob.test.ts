import { closeSync, mkdtempSync, openSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileBlob, openFileBlob, recycleReadBuffer } from './file-blob';
import { sampleFiles } from './evaluate';

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

describe('recycleReadBuffer: a read of the same size fills a given-back buffer', () => {
  it('the same buffer comes back, holding the new slice; other sizes get their own', async () => {
    const blob = fileBlob(path, 0, 100);
    const first = await blob.slice(0, 7).arrayBuffer();
    recycleReadBuffer(first);
    const other = await blob.slice(0, 8).arrayBuffer();
    expect(other).not.toBe(first);
    const again = await blob.slice(30, 37).arrayBuffer();
    expect(again).toBe(first);
    expect([...new Uint8Array(again)]).toEqual([30, 31, 32, 33, 34, 35, 36]);
    expect(await blob.slice(0, 7).arrayBuffer()).not.toBe(first); // taken: not handed out twice
  });
});

describe('files past 4 GiB (Node 20 openAsBlob reports their size modulo 2^32)', () => {
  // A sparse file: 5 GiB long, a few bytes written past 4 GiB, no disk used for the hole.
  const big = join(dir, 'big.bin');
  const at = 2 ** 32 + 1000;
  const fd = openSync(big, 'w');
  writeSync(fd, Uint8Array.from([1, 2, 3]), 0, 3, at);
  closeSync(fd);
  truncateSync(big, 5 * 2 ** 30);

  it('openFileBlob has the whole size and reads past 4 GiB', async () => {
    const blob = await openFileBlob(big);
    expect(blob.size).toBe(5 * 2 ** 30);
    expect(await read(blob.slice(at - 1, at + 4))).toEqual([0, 1, 2, 3, 0]);
  });

  it('evaluate / sensitivity samples and models are opened that way', async () => {
    const [file] = await sampleFiles(big);
    expect(file.blob.size).toBe(5 * 2 ** 30);
    expect(await read(file.blob.slice(at, at + 3))).toEqual([1, 2, 3]);
  });

  it('text() decodes the bytes', async () => {
    expect(await fileBlob(path, 65, 68).text()).toBe('ABC');
  });
});
