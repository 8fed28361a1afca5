// Opening a model: sniff the bytes, decode the ModelProto, attach external data files.
import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProtoSchema, type ModelProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { listExternalLocations, resolveExternalFiles } from './external';
import type { BlobLike, NamedBlob, OnnxModel } from './types';
import { checkGraph } from './graph-check';
import { checkModelStorage } from './validate';
import { decodeLazily } from './lazy';

export interface ParseOptions {
  /**
   * Resolve and range-check external data now (default true). False parses the graph alone, e.g. to
   * list which side files to look for with listExternalLocations; tensors whose file is absent then fail on read.
   */
  checkExternal?: boolean;
  /** File names given by more than one supplied file (name -> their paths): never resolved by name alone. */
  ambiguousNames?: ReadonlyMap<string, readonly string[]>;
}

const notOnnx = (reason: string, cause?: unknown) =>
  new StudioError(
    'OnnxParseError',
    `Not an ONNX model (${reason})`,
    cause === undefined ? undefined : { cause },
  );

const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

const MAGIC: readonly [readonly number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [ascii('GIF8'), 'a GIF image'],
  [ascii('PK\x03\x04'), 'a zip archive; extract the .onnx file first'],
  [[0x1f, 0x8b], 'a gzip file; decompress it first'],
  [ascii('%PDF'), 'a PDF document'],
  [ascii('\x93NUMPY'), 'a NumPy .npy file'],
  [ascii('version https://git-lfs'), 'a Git LFS pointer, not the model file itself'],
];

/** Field number -> protobuf wire type of every ModelProto field (onnx.proto 1.20). */
const MODEL_FIELDS: ReadonlyMap<number, number> = new Map([
  [1, 0],
  [2, 2],
  [3, 2],
  [4, 2],
  [5, 0],
  [6, 2],
  [7, 2],
  [8, 2],
  [14, 2],
  [20, 2],
  [25, 2],
  [26, 2],
]);

function isMostlyText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 256);
  let printable = 0;
  for (const b of head) if ((b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d) printable++;
  return printable === head.length;
}

/** Cheap checks that give a clear message for the common wrong files before the protobuf decoder runs. */
function sniff(bytes: Uint8Array): void {
  if (bytes.byteLength === 0) throw notOnnx('empty file');
  for (const [magic, what] of MAGIC) if (startsWith(bytes, magic)) throw notOnnx(`this is ${what}`);
  if (bytes[0] === 0x3c) throw notOnnx('this is an HTML/XML document; a download may have saved a web page');
  if (isMostlyText(bytes)) throw notOnnx('this is a text file');
  // The first field tag must be a ModelProto field with its wire type (tags are varints; all ours fit in one byte).
  const tag = bytes[0];
  const field = tag >>> 3;
  if (tag & 0x80 || MODEL_FIELDS.get(field) !== (tag & 7)) {
    throw notOnnx(`unexpected first protobuf field ${field} with wire type ${tag & 7}`);
  }
}

/** A TensorProto file (e.g. test_data_set_0/input_0.pb) decodes as a ModelProto only by accident: name it. */
function looksLikeTensor(bytes: Uint8Array): boolean {
  try {
    const t = fromBinary(TensorProtoSchema, bytes);
    return t.dataType > 0 && (t.rawData.byteLength > 0 || t.floatData.length > 0 || t.int64Data.length > 0);
  } catch {
    return false; // only used to improve the message of an error we throw anyway
  }
}

function decode(bytes: Uint8Array) {
  let proto;
  try {
    proto = fromBinary(ModelProtoSchema, bytes);
  } catch (e) {
    if (looksLikeTensor(bytes))
      throw notOnnx('this is a TensorProto, e.g. a test-data input_0.pb, not a model', e);
    const reason = e instanceof Error ? e.message : String(e);
    throw notOnnx(
      /premature EOF|out of range|outside the bounds/i.test(reason)
        ? `truncated or corrupt protobuf: ${reason}`
        : reason,
      e,
    );
  }
  if (!proto.graph) {
    if (looksLikeTensor(bytes))
      throw notOnnx('this is a TensorProto, e.g. a test-data input_0.pb, not a model');
    throw notOnnx('a protobuf message without a graph');
  }
  return proto;
}

/** Decodes a model file; external data is looked up in `externalFiles` by location or file name. */
export function parseModel(
  bytes: Uint8Array,
  fileName: string,
  externalFiles: ReadonlyMap<string, BlobLike> = new Map(),
  options: ParseOptions = {},
): OnnxModel {
  sniff(bytes);
  return checked(decode(bytes), fileName, bytes.byteLength, externalFiles, options);
}

/**
 * Decodes a model file from a Blob without holding it: large raw_data stays in the file and is read per tensor
 * (see lazy.ts). A file the lazy walk does not follow is read whole and decoded as parseModel does.
 */
export async function parseModelBlob(
  blob: BlobLike,
  fileName: string,
  externalFiles: ReadonlyMap<string, BlobLike> = new Map(),
  options: ParseOptions = {},
): Promise<OnnxModel> {
  sniff(new Uint8Array(await blob.slice(0, 256).arrayBuffer()));
  const proto = await decodeLazily(blob);
  // Without a graph the whole-file decode words the error (e.g. a TensorProto file).
  if (proto?.graph) return checked(proto, fileName, blob.size, externalFiles, options);
  return parseModel(
    new Uint8Array(await blob.slice(0, blob.size).arrayBuffer()),
    fileName,
    externalFiles,
    options,
  );
}

function checked(
  proto: ModelProto,
  fileName: string,
  fileBytes: number,
  externalFiles: ReadonlyMap<string, BlobLike>,
  options: ParseOptions,
): OnnxModel {
  if (proto.irVersion <= 0n) throw notOnnx(`ir_version ${proto.irVersion} is not a valid IR version`);
  // ONNX requires opset_import (IR ≥ 3); without it no op has a meaning and the exporter has no domain to extend.
  if (proto.opsetImport.length === 0) throw notOnnx('the model declares no opset_import');
  for (const o of proto.opsetImport)
    if (o.version <= 0n || o.version > 10_000n)
      throw notOnnx(`opset ${o.version} for domain '${o.domain || 'ai.onnx'}' is not a valid opset version`);
  let resolved: Map<string, BlobLike>;
  if (options.checkExternal === false) {
    resolved = new Map();
    for (const location of listExternalLocations(proto)) {
      const blob = externalFiles.get(location) ?? externalFiles.get(location.split('/').pop() ?? location);
      if (blob) resolved.set(location, blob);
    }
  } else {
    resolved = resolveExternalFiles(proto, externalFiles, options.ambiguousNames);
    checkModelStorage(proto, resolved);
  }
  checkGraph(proto.graph!);
  return { proto, fileName, fileBytes, externalFiles: resolved };
}

/** Reads a model file (its large tensors and external data side files lazily) from Blobs. */
export async function openModel(file: NamedBlob, sidecars: readonly NamedBlob[] = []): Promise<OnnxModel> {
  const files = new Map<string, BlobLike>();
  const byBase = new Map<string, NamedBlob[]>();
  for (const s of sidecars) {
    files.set(s.name, s.blob);
    const base = s.name.split(/[\\/]/).pop();
    if (base) byBase.set(base, [...(byBase.get(base) ?? []), s]);
  }
  // A bare file name stands for a supplied path only when exactly one file has that name.
  const ambiguousNames = new Map<string, string[]>();
  for (const [base, all] of byBase) {
    if (all.length > 1)
      ambiguousNames.set(
        base,
        all.map((s) => s.name),
      );
    else if (!files.has(base)) files.set(base, all[0].blob);
  }
  try {
    return await parseModelBlob(file.blob, file.name, files, { ambiguousNames });
  } catch (e) {
    if (e instanceof StudioError) throw e;
    throw new StudioError(
      'OnnxParseError',
      `cannot read '${file.name}' (${e instanceof Error ? e.message : String(e)})`,
      { cause: e },
    );
  }
}
