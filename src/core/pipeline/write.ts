import { applyEncodings, type EncodedWeight } from '../export/rewrite';
import type { Encoding } from '../export/encoding';
import { inlineExternalInitializers } from '../export/inline';
import {
  needsExternalData,
  toExternalData,
  type ExternalData,
  type ExternalDataMode,
} from '../export/external-data';
import { joinParts, serializeParts, type ModelFile } from '../export/stream';
import type { LazyRaw } from '../onnx/lazy';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import type { QuantConfig } from '../quant/config';
import { applyBiasCorrection, type BiasEdit } from './bias';
import type { RtnPool } from './schedule';
import type { RunSummary } from './types';
import type { ExportedWeight } from './weight';

export interface RunResult {
  summary: RunSummary;
  /** The exported ONNX file as parts to write one after another (large tensors are never copied together). */
  file: ModelFile;
  /** The exported ONNX file in one buffer, joined on first use (throws while a part is still in a source file). */
  readonly bytes: Uint8Array;
  /** With external-data output: the data file `bytes` refers to, as parts to write one after another. */
  externalData?: ExternalData;
}

export interface OutputOptions {
  /** 'auto' (default): one file unless the tensors would pass protobuf's 2 GiB limit; 'always': two files. */
  externalData?: ExternalDataMode;
  /** The data file's name next to the .onnx, e.g. `model.onnx_data` for `model.onnx`. */
  dataLocation?: string;
}

/** Writes a quantized tensor's bytes out and says where they are (RunHooks.spill). */
export type Spill = (bytes: Uint8Array) => Promise<LazyRaw>;

/** Tensors from this size on are spilled (smaller ones are cheaper to keep than to write and read back). */
const SPILL_MIN_BYTES = 64 * 1024;

/** A quantized weight in the form the rewrite writes (levels never reach here: every encoding has a target). */
export function encodedWeight(
  qw: Exclude<ExportedWeight, { kind: 'levels' }>,
  w: WeightInfo,
  encoding: Encoding,
): EncodedWeight {
  return qw.kind === 'fp16'
    ? { kind: 'cast', weight: w, fp16: qw.bits }
    : qw.kind === 'nbits'
      ? {
          kind: 'matmulnbits',
          weight: w,
          encoding: encoding as Extract<Encoding, { kind: 'matmulnbits' }>,
          q: qw.q,
          nbits: qw.nbits,
        }
      : {
          kind: 'dq',
          weight: w,
          encoding: encoding as Extract<Encoding, { kind: 'dq' }>,
          q: qw.q,
          packed: qw.packed,
        };
}

/** A quantized tensor as the run keeps it until the model is written: lean, and spilled when large. */
export async function held(
  e: EncodedWeight,
  spill: Spill | undefined,
  pool?: RtnPool,
): Promise<EncodedWeight> {
  return spilled(lean(e), spill, pool);
}

async function spilled(e: EncodedWeight, spill: Spill | undefined, pool?: RtnPool): Promise<EncodedWeight> {
  if (!spill) return e;
  if (e.kind === 'cast' && ArrayBuffer.isView(e.fp16) && e.fp16.byteLength >= SPILL_MIN_BYTES)
    return { ...e, fp16: await spill(new Uint8Array(e.fp16.buffer, e.fp16.byteOffset, e.fp16.byteLength)) };
  if (e.kind === 'dq' && ArrayBuffer.isView(e.packed) && e.packed.byteLength >= SPILL_MIN_BYTES) {
    const packed = e.packed;
    const out = { ...e, packed: await spill(packed) };
    recycleWhole(packed, pool);
    return out;
  }
  if (e.kind === 'matmulnbits' && ArrayBuffer.isView(e.nbits.B) && e.nbits.B.byteLength >= SPILL_MIN_BYTES) {
    const B = e.nbits.B;
    const out = { ...e, nbits: { ...e.nbits, B: await spill(B) } };
    recycleWhole(B, pool);
    return out;
  }
  return e;
}

/**
 * A spilled tensor's bytes are read back from the spill file from now on: a buffer they fill whole can hold a later
 * tensor's packed levels or blobs.
 */
function recycleWhole(bytes: Uint8Array, pool?: RtnPool): void {
  if (
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength &&
    bytes.buffer instanceof ArrayBuffer
  )
    pool?.recycle?.(bytes.buffer);
}

/**
 * A MatMulNBits weight as the run keeps it until the model is written: the rewrite reads its blobs, their scales and
 * zero points, and of the grid `q` only the shape and block size. The grid's own copy of the scales (as many as the
 * blobs', 1/32 of the float weight at block 32: 81 MB on a 2.6 GB model) is not held for the whole run.
 */
function lean(e: EncodedWeight): EncodedWeight {
  if (e.kind !== 'matmulnbits') return e;
  const zeroPoints = e.q.zeroPoints && new Int16Array(0);
  return { ...e, q: { ...e.q, scales: new Float32Array(0), zeroPoints } };
}

/**
 * The exported model: the encodings applied to the working model, bias corrected when asked for, then serialized
 * into one file or a model file and its external data file. Notes what it did.
 */
export async function writeModel(
  working: OnnxModel,
  encoded: EncodedWeight[],
  config: QuantConfig,
  bias: { edits: BiasEdit[]; noData: string[] },
  output: OutputOptions,
  notes: string[],
): Promise<{ file: ModelFile; externalData?: ExternalData }> {
  let exported = applyEncodings(working.proto, encoded, { stripDocStrings: config.stripDocStrings });
  if (config.biasCorrection) {
    const corrected = await applyBiasCorrection(exported, working, bias.edits);
    exported = corrected.proto;
    notes.push(...corrected.notes);
    if (bias.noData.length) notes.push(`bias correction not applied to: ${bias.noData.join('; ')}`);
  }
  if (needsExternalData(output.externalData ?? 'auto', exported, working)) {
    const split = await toExternalData(exported, working, output.dataLocation ?? 'model.onnx_data');
    notes.push(`tensors written to the external data file ${split.data.location} (${split.data.size} bytes)`);
    return { file: await serializeParts(split.proto), externalData: split.data };
  }
  return { file: await serializeParts(inlineExternalInitializers(exported, working)) };
}

/** Adds RunResult.bytes as a getter (not enumerable: spreading a result does not join its parts). */
export function withBytes<T extends Omit<RunResult, 'bytes'>>(r: T): T & { readonly bytes: Uint8Array } {
  let joined: Uint8Array | undefined;
  return Object.defineProperty(r, 'bytes', { get: () => (joined ??= joinParts(r.file)) }) as T & {
    readonly bytes: Uint8Array;
  };
}
