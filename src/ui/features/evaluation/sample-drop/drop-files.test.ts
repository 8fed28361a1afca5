// The DataTransfer walk, with fake File System entries shaped like Chromium's (readEntries in batches).
import { describe, expect, it } from 'vitest';
import { droppedName, samplesFromDataTransfer, samplesFromInput } from './drop-files';

type Tree = { [name: string]: Tree | string };

const file = (name: string, text = name, relativePath = '') => {
  const f = new File([text], name);
  Object.defineProperty(f, 'webkitRelativePath', { value: relativePath });
  return f;
};

function entry(name: string, node: Tree | string, parent: string, batch: number): unknown {
  const fullPath = `${parent}/${name}`;
  if (typeof node === 'string') {
    const f = file(name, node);
    return { isFile: true, isDirectory: false, name, fullPath, file: (ok: (f: File) => void) => ok(f) };
  }
  const children = Object.entries(node).map(([n, c]) => entry(n, c, fullPath, batch));
  return {
    isFile: false,
    isDirectory: true,
    name,
    fullPath,
    createReader: () => {
      let at = 0;
      return {
        readEntries: (ok: (e: unknown[]) => void) => {
          const out = children.slice(at, at + batch);
          at += out.length;
          queueMicrotask(() => ok(out));
        },
      };
    },
  };
}

/** What a drop of these top-level items looks like to the handler. */
function dataTransfer(top: Tree, batch = 2): DataTransfer {
  const names = Object.keys(top);
  const items = names.map((n) => ({
    kind: 'file',
    webkitGetAsEntry: () => entry(n, top[n], '', batch),
  }));
  const files = names.map((n) => file(n, typeof top[n] === 'string' ? top[n] : ''));
  return { items, files } as unknown as DataTransfer;
}

describe('samplesFromDataTransfer', () => {
  it('walks a dropped folder recursively, past readEntries batches, with paths relative to the drop', async () => {
    const dt = dataTransfer({
      png: { '0': { 'a.png': 'A', 'b.png': 'B', 'c.png': 'C' }, '1': { 'd.png': 'D' }, 'labels.csv': 'x' },
    });
    const got = await samplesFromDataTransfer(dt);
    expect(got.name).toBe('png/');
    expect(got.files.map((f) => f.path).sort()).toEqual([
      'png/0/a.png',
      'png/0/b.png',
      'png/0/c.png',
      'png/1/d.png',
      'png/labels.csv',
    ]);
    expect(await got.files.find((f) => f.path === 'png/1/d.png')?.blob.text()).toBe('D');
  });

  it('names an empty folder so the error can say which', async () => {
    const got = await samplesFromDataTransfer(dataTransfer({ empty: {} }));
    expect(got).toEqual({ files: [], name: 'empty/' });
  });

  it('takes plain files (no entries) by their relative path', async () => {
    const files = [file('0.png', 'x', 'set/0/0.png'), file('1.png', 'y', 'set/1/1.png')];
    const dt = { items: [], files } as unknown as DataTransfer;
    const got = await samplesFromDataTransfer(dt);
    expect(got.files.map((f) => f.path)).toEqual(['set/0/0.png', 'set/1/1.png']);
    expect(got.name).toBe('set/');
  });
});

describe('names', () => {
  it('says what was dropped or picked', () => {
    expect(droppedName(['Iris.csv'], 1)).toBe('Iris.csv');
    expect(droppedName(['a.npy', 'b.npy'], 2)).toBe('2 items');
    expect(droppedName([], 1)).toBe('the chosen folder');
    const list = [file('a.npy', '', 'noise/a.npy')] as unknown as FileList;
    expect(samplesFromInput(list, true)).toMatchObject({ name: 'noise/', files: [{ path: 'noise/a.npy' }] });
  });
});
