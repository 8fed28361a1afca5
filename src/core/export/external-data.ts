// External-data output: `model.onnx` holds the graph, `model.onnx_data` the tensor bytes, so an output beyond
// protobuf's 2 GiB limit can be written at all. The data file is described as a list of parts (the tensors' own
// buffers, slices of the source's external files, zero padding) that a sink writes one after another: no
// concatenated copy of the whole output is ever made.
import { create } from '@bufbuild/protobuf';
import {
  StringStringEntryProtoSchema,
  TensorProto_DataLocation,
  type ModelProto,
  type TensorProto,
} from 'onnx-buf';
import { StudioError } from '../errors';
import { externalDataRef, externalFileName, isExternalTensor, readTensorBytes } from '../onnx';
import { shallowCopy } from '../onnx/proto';
import { lazyRaw, rawDataLength } from '../onnx/lazy';
import type { BlobLike, OnnxModel } from '../onnx/types';

/** protobuf's hard limit for one message (int32 sizes). */
export const PROTOBUF_LIMIT = 2 ** 31 - 1;
/** Room left for the graph itself when deciding whether the tensors still fit one file. */
const GRAPH_MARGIN = 64 * 2 ** 20;
/** Tensors below this many bytes stay in the .onnx (scales, zero points, small biases), as onnx.save does. */
export const EXTERNAL_MIN_BYTES = 1024;
/** Tensors of 1 MiB and more start on a 64 KiB boundary, so a loader may memory-map them. */
const ALIGN_FROM = 2 ** 20;
const ALIGNMENT = 65536;

export type DataPart =
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'slice'; blob: BlobLike; start: number; end: number }
  | { kind: 'zeros'; length: number };

export interface ExternalData {
  /** The data file's name, relative to the .onnx (what every moved tensor's `location` says). */
  location: string;
  parts: DataPart[];
  size: number;
}

export type ExternalDataMode = 'auto' | 'always' | 'never';

export const partLength = (p: DataPart): number =>
  p.kind === 'bytes' ? p.bytes.length : p.kind === 'slice' ? p.end - p.start : p.length;

/** Bytes of tensor payload the model would hold inline (typed fields approximated by their raw size). */
export function payloadBytes(proto: ModelProto, source: OnnxModel): number {
  let total = 0;
  for (const t of proto.graph!.initializer) {
    if (isExternalTensor(t)) {
      const s = externalSlice(t, source);
      total += s.end - s.start;
    } else
      total +=
        rawDataLength(t) +
        4 * (t.floatData.length + t.int32Data.length) +
        8 * (t.int64Data.length + t.doubleData.length);
  }
  return total;
}

/** Whether the exported model must (or was asked to) go to external data. */
export const needsExternalData = (mode: ExternalDataMode, proto: ModelProto, source: OnnxModel): boolean =>
  mode === 'always' || (mode === 'auto' && payloadBytes(proto, source) > PROTOBUF_LIMIT - GRAPH_MARGIN);

function externalSlice(t: TensorProto, source: OnnxModel): { blob: BlobLike; start: number; end: number } {
  const ref = externalDataRef(t);
  const blob = source.externalFiles.get(ref.location);
  if (!blob) {
    throw new StudioError(
      'ExternalDataMissingError',
      `tensor '${t.name}': external data file '${externalFileName(ref.location)}' was not supplied`,
    );
  }
  return { blob, start: ref.offset, end: ref.length === undefined ? blob.size : ref.offset + ref.length };
}

/**
 * Move every initializer of at least EXTERNAL_MIN_BYTES (raw_data, or still in the source's external files) to one
 * data file named `location`; smaller ones stay inline (a small external one is read and inlined).
 */
export async function toExternalData(
  proto: ModelProto,
  source: OnnxModel,
  location: string,
): Promise<{ proto: ModelProto; data: ExternalData }> {
  externalFileName(location); // refuses paths that would leave the model's folder
  const graph = proto.graph!;
  const parts: DataPart[] = [];
  let size = 0;
  const initializer: TensorProto[] = [];
  for (const t of graph.initializer) {
    let part: DataPart | null = null;
    if (isExternalTensor(t)) {
      const s = externalSlice(t, source);
      if (s.end - s.start >= EXTERNAL_MIN_BYTES) part = { kind: 'slice', ...s };
      else {
        const rawData = (await readTensorBytes(source, t)) as Uint8Array<ArrayBuffer>;
        initializer.push(
          shallowCopy(t, { rawData, dataLocation: TensorProto_DataLocation.DEFAULT, externalData: [] }),
        );
        continue;
      }
    } else if (rawDataLength(t) >= EXTERNAL_MIN_BYTES) {
      const ref = lazyRaw(t); // still in the source .onnx: a slice of it
      part = ref ? { kind: 'slice', ...ref } : { kind: 'bytes', bytes: t.rawData };
    }
    if (!part) {
      initializer.push(t);
      continue;
    }
    const length = partLength(part);
    const pad = alignPadding(size, length);
    if (pad) {
      parts.push({ kind: 'zeros', length: pad });
      size += pad;
    }
    initializer.push(
      shallowCopy(t, {
        rawData: new Uint8Array(0),
        dataLocation: TensorProto_DataLocation.EXTERNAL,
        externalData: [
          ['location', location],
          ['offset', String(size)],
          ['length', String(length)],
        ].map(([key, value]) => create(StringStringEntryProtoSchema, { key, value })),
      }),
    );
    parts.push(part);
    size += length;
  }
  return {
    proto: shallowCopy(proto, { graph: shallowCopy(graph, { initializer }) }),
    data: { location, parts, size },
  };
}

/** Zero bytes to put before a tensor of `length` bytes that would start at `size` (1 MiB and more: 64 KiB aligned). */
export const alignPadding = (size: number, length: number): number =>
  length >= ALIGN_FROM && size % ALIGNMENT !== 0 ? ALIGNMENT - (size % ALIGNMENT) : 0;

/** A data part's bytes (a slice is read from its file). */
export async function partBytes(p: DataPart): Promise<Uint8Array> {
  if (p.kind === 'bytes') return p.bytes;
  if (p.kind === 'zeros') return new Uint8Array(p.length);
  return new Uint8Array(await p.blob.slice(p.start, p.end).arrayBuffer());
}
