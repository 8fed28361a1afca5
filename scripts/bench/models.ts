// Synthetic float models for the benchmark: a chain of square Gemm layers (transB=1) with seeded weights, and an
// LLM-shaped chain of MatMuls with external data (the shapes of a 7B model's attention and MLP projections).
import { create } from '@bufbuild/protobuf';
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { TensorProtoSchema, TensorProto_DataLocation, StringStringEntryProtoSchema } from 'onnx-buf';
import { buildModel, modelBytes, node, valueInfo } from '../../test/fixtures/onnx-builders';

function weights(n: number, seed: number): Float32Array {
  const w = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    w[i] = ((x >>> 0) / 4294967296 - 0.5) * 0.1;
  }
  return w;
}

/** Layers and width for about `mb` MB of float32 weights (4 MiB 1024×1024 layers; smaller models one layer). */
export function layout(mb: number): { layers: number; dim: number } {
  if (mb < 4) return { layers: 1, dim: Math.round(Math.sqrt((mb * 2 ** 20) / 4)) };
  const layers = Math.round(mb / 4);
  return { layers, dim: 1024 };
}

function graph(
  layers: number,
  dim: number,
  init: (i: number) => ReturnType<typeof create<typeof TensorProtoSchema>>,
) {
  return buildModel({
    opset: 17,
    inputs: [valueInfo('x', 'float32', [1, dim])],
    outputs: [valueInfo(`h${layers}`, 'float32', [1, dim])],
    nodes: Array.from({ length: layers }, (_, i) =>
      node('Gemm', [i === 0 ? 'x' : `h${i}`, `w${i}`], [`h${i + 1}`], { transB: 1 }),
    ),
    initializers: Array.from({ length: layers }, (_, i) => init(i)),
  });
}

/** One .onnx file holding every weight inline (below protobuf's 2 GiB limit). */
export function writeInlineModel(path: string, mb: number): number {
  const { layers, dim } = layout(mb);
  const model = graph(layers, dim, (i) => {
    const w = weights(dim * dim, i + 1);
    return create(TensorProtoSchema, {
      name: `w${i}`,
      dataType: 1,
      dims: [BigInt(dim), BigInt(dim)],
      rawData: new Uint8Array(w.buffer as ArrayBuffer),
    });
  });
  const bytes = modelBytes(model);
  writeFileSync(path, bytes);
  return bytes.length;
}

/** `<path>` + `<path>_data`, weights streamed to the data file layer by layer (for models beyond 2 GiB). */
export async function writeExternalModel(path: string, mb: number, dim = 4096): Promise<number> {
  const layers = Math.max(1, Math.round((mb * 2 ** 20) / (dim * dim * 4)));
  const location = path.split('/').pop() + '_data';
  const out = createWriteStream(path + '_data');
  const bytesPer = dim * dim * 4;
  for (let i = 0; i < layers; i++) {
    if (!out.write(new Uint8Array(weights(dim * dim, i + 1).buffer))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  const model = graph(layers, dim, (i) =>
    create(TensorProtoSchema, {
      name: `w${i}`,
      dataType: 1,
      dims: [BigInt(dim), BigInt(dim)],
      dataLocation: TensorProto_DataLocation.EXTERNAL,
      externalData: [
        ['location', location],
        ['offset', String(i * bytesPer)],
        ['length', String(bytesPer)],
      ].map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
    }),
  );
  writeFileSync(path, modelBytes(model));
  return layers * bytesPer;
}

const externalRef = (location: string, offset: number, length: number) =>
  [
    ['location', location],
    ['offset', String(offset)],
    ['length', String(length)],
  ].map(([key, value]) => create(StringStringEntryProtoSchema, { key, value }));

/**
 * `<path>` + `<path>_data`: blocks of three MatMul weights as an LLM export has them (4096×4096 like an attention
 * projection, 4096×11008 and 11008×4096 like the MLP's), ~427 MB a block, as many blocks as make about `mb` MB.
 * Weights are streamed to the data file one by one. Returns the bytes of weights (the data file's size).
 */
export async function writeLlmModel(path: string, mb: number): Promise<number> {
  const shapes: [number, number][] = [
    [4096, 4096],
    [4096, 11008],
    [11008, 4096],
  ];
  const perBlock = shapes.reduce((a, [k, n]) => a + k * n * 4, 0);
  const blocks = Math.max(1, Math.round((mb * 1e6) / perBlock));
  const all = Array.from({ length: blocks }, () => shapes).flat();
  const location = path.split('/').pop() + '_data';
  const out = createWriteStream(path + '_data');
  let offset = 0;
  const inits = [];
  for (const [i, [k, n]] of all.entries()) {
    if (!out.write(new Uint8Array(weights(k * n, i + 1).buffer))) await once(out, 'drain');
    inits.push(
      create(TensorProtoSchema, {
        name: `w${i}`,
        dataType: 1,
        dims: [BigInt(k), BigInt(n)],
        dataLocation: TensorProto_DataLocation.EXTERNAL,
        externalData: externalRef(location, offset, k * n * 4),
      }),
    );
    offset += k * n * 4;
  }
  out.end();
  await once(out, 'finish');
  const model = buildModel({
    opset: 17,
    inputs: [valueInfo('x', 'float32', [1, 4096])],
    outputs: [valueInfo(`h${all.length}`, 'float32', [1, 4096])],
    nodes: all.map((_, i) => node('MatMul', [i === 0 ? 'x' : `h${i}`, `w${i}`], [`h${i + 1}`])),
    initializers: inits,
  });
  writeFileSync(path, modelBytes(model));
  return offset;
}
