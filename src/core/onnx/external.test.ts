import { describe, expect, it } from 'vitest';
import {
  buildGraph,
  buildModel,
  constantNode,
  encodeValues,
  externalTensor,
  MemoryBlob,
  modelBytes,
  node,
  valueInfo,
} from '../../../test/fixtures/onnx-builders';
import { isStudioError, type StudioErrorName } from '../errors';
import { externalFileName, listExternalLocations, readExternalBytes, resolveExternalFiles } from './external';
import { parseModel } from './read';
import { readTensorAsFloat32 } from './tensor';
import type { BlobLike } from './types';

const A = [1, 2, 3, 4, 5, 6];
const B = [-1, -2, -3, -4];
const C = [0.5, 0.25];

/** Two side files; `a.bin` holds A at 0 and C at 4096 (page aligned, as onnx writes it), `b.bin` holds B at 8. */
function sidecars() {
  const a = new Uint8Array(4096 + 8);
  a.set(encodeValues('float32', A), 0);
  a.set(encodeValues('float32', C), 4096);
  const b = new Uint8Array(8 + 16 + 5);
  b.set(encodeValues('float32', B), 8);
  return { a: new MemoryBlob(a), b: new MemoryBlob(b) };
}

function externalModel(locA = 'a.bin', extra: { offsetB?: number; lengthB?: number } = {}) {
  // C sits in a subgraph (If.then_branch) as a Constant node, to check subgraphs are walked too.
  const thenBranch = buildGraph({
    name: 'then',
    outputs: [valueInfo('c', 'float32', [2])],
    nodes: [
      constantNode('c', externalTensor('C', 'float32', [2], { location: locA, offset: 4096, length: 8 })),
    ],
  });
  return buildModel({
    inputs: [valueInfo('cond', 'bool', [])],
    outputs: [valueInfo('out', 'float32', [2])],
    nodes: [node('If', ['cond'], ['out'], { then_branch: thenBranch, else_branch: thenBranch })],
    initializers: [
      externalTensor('A', 'float32', [2, 3], { location: locA, offset: 0, length: 24 }),
      externalTensor('B', 'float32', [4], {
        location: 'sub/b.bin',
        offset: extra.offsetB ?? 8,
        length: extra.lengthB ?? 16,
      }),
    ],
  });
}

describe('external data', () => {
  it('lists every location, subgraphs included', () => {
    expect(listExternalLocations(externalModel())).toEqual(['a.bin', 'sub/b.bin']);
  });

  it('reads each tensor from its own slice of two side files', async () => {
    const { a, b } = sidecars();
    const model = parseModel(
      modelBytes(externalModel()),
      'm.onnx',
      new Map<string, BlobLike>([
        ['a.bin', a],
        ['b.bin', b],
      ]),
    );
    const [tA, tB] = model.proto.graph!.initializer;
    const tC = model.proto.graph!.node[0].attribute[0].g!.node[0].attribute[0].t!;
    expect(await readTensorAsFloat32(model, tA)).toEqual(Float32Array.from(A));
    expect(await readTensorAsFloat32(model, tB)).toEqual(Float32Array.from(B));
    expect(await readTensorAsFloat32(model, tC)).toEqual(Float32Array.from(C));
    // lazily: exactly the three slices, never a whole file
    expect(a.reads).toEqual([
      [0, 24],
      [4096, 4104],
    ]);
    expect(b.reads).toEqual([[8, 24]]);
  });

  it('reads to the end of the file when length is absent', async () => {
    const blob = new MemoryBlob(encodeValues('float32', [7, 8]));
    const proto = buildModel({ initializers: [externalTensor('t', 'float32', [2], { location: 'x.bin' })] });
    const model = parseModel(modelBytes(proto), 'm.onnx', new Map([['x.bin', blob]]));
    expect(await readExternalBytes(model, model.proto.graph!.initializer[0])).toEqual(
      encodeValues('float32', [7, 8]),
    );
  });

  it('reports all missing files in one error', () => {
    let error: unknown;
    try {
      resolveExternalFiles(externalModel(), new Map());
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error, 'ExternalDataMissingError')).toBe(true);
    expect((error as Error).message).toMatch(/not supplied: a\.bin, b\.bin$/);
  });

  it.each<[string, string, StudioErrorName, RegExp]>([
    ['absolute path', '/etc/passwd', 'ExternalDataError', /'\/etc\/passwd': path traversal/],
    ['parent segment', '../secret.bin', 'ExternalDataError', /path traversal/],
    ['nested parent segment', 'a/../../b.bin', 'ExternalDataError', /path traversal/],
    ['backslash', '..\\secret.bin', 'ExternalDataError', /path traversal/],
    ['windows drive', 'C:/data.bin', 'ExternalDataError', /path traversal/],
    ['no file name', 'dir/', 'ExternalDataError', /names no file/],
  ])('rejects %s', (_, location, name, message) => {
    const { a, b } = sidecars();
    const files = new Map<string, BlobLike>([
      ['a.bin', a],
      ['b.bin', b],
      ['passwd', a],
      ['secret.bin', a],
      ['data.bin', a],
    ]);
    let error: unknown;
    try {
      resolveExternalFiles(externalModel(location), files);
    } catch (e) {
      error = e;
    }
    expect(isStudioError(error, name), String(error)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    [
      'length past the end',
      { lengthB: 32 },
      /tensor 'B': external data offset 8 \+ length 32 is beyond the end of 'sub\/b\.bin' \(29 bytes\)/,
    ],
    ['offset past the end', { offsetB: 100 }, /offset 100 \+ length 16 is beyond the end/],
  ])('rejects %s', (_, extra, message) => {
    const { a, b } = sidecars();
    expect(() =>
      resolveExternalFiles(
        externalModel('a.bin', extra),
        new Map<string, BlobLike>([
          ['a.bin', a],
          ['b.bin', b],
        ]),
      ),
    ).toThrow(message);
  });

  it.each([
    ['offset', 'x12'],
    ['length', '-4'],
  ])('rejects a non-numeric %s', (key, value) => {
    const t = externalTensor('t', 'float32', [1], { location: 'a.bin' });
    t.externalData.push({ ...t.externalData[0], key, value });
    expect(() => listExternalLocations(buildModel({ initializers: [t] }))).toThrow(
      new RegExp(`external data ${key} '${value}' is not a byte count`),
    );
  });

  it.each([
    ['a.bin', 'a.bin'],
    ['./weights/model.onnx.data', 'model.onnx.data'],
    ['x/y/z.bin', 'z.bin'],
  ])('location %s resolves to file name %s', (location, name) =>
    expect(externalFileName(location)).toBe(name),
  );

  it('detects a short read', async () => {
    const liar: BlobLike = { size: 64, slice: () => ({ arrayBuffer: async () => new ArrayBuffer(4) }) };
    const proto = buildModel({
      initializers: [externalTensor('t', 'float32', [2], { location: 'x.bin', offset: 0, length: 8 })],
    });
    const model = parseModel(modelBytes(proto), 'm.onnx', new Map([['x.bin', liar]]));
    await expect(readExternalBytes(model, model.proto.graph!.initializer[0])).rejects.toThrow(
      /short read from 'x\.bin': expected 8 bytes, got 4/,
    );
  });
});

describe('two supplied files with the name the model asks for', () => {
  it('is refused, naming both, instead of picking one', async () => {
    const { openModel } = await import('./read');
    const model = modelBytes(externalModel());
    const { a, b } = sidecars();
    const file = { name: 'm.onnx', blob: new MemoryBlob(model) };
    await expect(
      openModel(file, [
        { name: 'x/a.bin', blob: a },
        { name: 'y/a.bin', blob: a },
        { name: 'sub/b.bin', blob: b },
      ]),
    ).rejects.toThrow(/2 files named 'a\.bin' were supplied \(x\/a\.bin, y\/a\.bin\)/);
    // the exact location wins when it is among them
    await expect(
      openModel(file, [
        { name: 'a.bin', blob: a },
        { name: 'y/a.bin', blob: a },
        { name: 'sub/b.bin', blob: b },
      ]),
    ).resolves.toBeDefined();
  });
});
