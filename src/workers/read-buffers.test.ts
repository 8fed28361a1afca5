import { describe, expect, it } from 'vitest';
import { dropReadBuffers, readsRecycled, recycleReadBuffer, recyclingBlob } from './read-buffers';

const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 251);
const blob = new Blob([bytes]);

describe('recyclingBlob', () => {
  it.each([
    ['a middle slice', 100, 612],
    ['from the start', 0, 400],
    ['to the end', 600, 1000],
    ['empty', 5, 5],
  ])('%s: the bytes of that slice, fresh or into a recycled buffer', async (_, a, b) => {
    const r = recyclingBlob(blob);
    const fresh = await r.slice(a, b).arrayBuffer();
    expect([...new Uint8Array(fresh)]).toEqual([...bytes.subarray(a, b)]);
    const old = new ArrayBuffer(b - a);
    new Uint8Array(old).fill(255);
    recycleReadBuffer(old);
    const again = await r.slice(a, b).arrayBuffer();
    expect([...new Uint8Array(again)]).toEqual([...bytes.subarray(a, b)]);
    if (b > a) expect(old.byteLength).toBe(0); // moved into the stream: the read went into it
    dropReadBuffers();
  });

  it('takes only a buffer of the exact size, and none after dropReadBuffers', async () => {
    const r = recyclingBlob(blob);
    const other = new ArrayBuffer(99);
    recycleReadBuffer(other);
    await r.slice(0, 100).arrayBuffer();
    expect(other.byteLength).toBe(99);
    const kept = new ArrayBuffer(100);
    recycleReadBuffer(kept);
    dropReadBuffers();
    await r.slice(0, 100).arrayBuffer();
    expect(kept.byteLength).toBe(100);
  });

  it('is a Blob: as a part of another Blob (a download) it gives its bytes', async () => {
    const r = recyclingBlob(blob);
    expect(r).toBeInstanceOf(Blob);
    const joined = new Blob([r.slice(10, 20), r.slice(0, 5)]);
    expect([...new Uint8Array(await joined.arrayBuffer())]).toEqual([
      ...bytes.subarray(10, 20),
      ...bytes.subarray(0, 5),
    ]);
  });
});

describe('readsRecycled', () => {
  it('wraps a Blob, leaves other blob-likes (Node tests) as they are', () => {
    const r = readsRecycled(blob);
    expect(r).not.toBe(blob);
    expect(r).toBeInstanceOf(Blob);
    const like = { size: 0, slice: () => ({ arrayBuffer: async () => new ArrayBuffer(0) }) };
    expect(readsRecycled(like)).toBe(like);
  });
});
