// External data: tensors whose bytes live in side files, read lazily by slicing a Blob.
import { TensorProto_DataLocation, type ModelProto, type TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { forEachTensor } from './graph';
import type { BlobLike, OnnxModel } from './types';

export interface ExternalDataRef {
  location: string;
  offset: number;
  /** Bytes to read; undefined = up to the end of the file (ONNX's rule). */
  length: number | undefined;
}

export const isExternalTensor = (t: TensorProto): boolean =>
  t.dataLocation === TensorProto_DataLocation.EXTERNAL;

function parseByteCount(value: string, key: string, tensor: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new StudioError(
      'ExternalDataError',
      `tensor '${tensor}': external data ${key} '${value}' is not a byte count`,
    );
  }
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) {
    throw new StudioError(
      'ExternalDataError',
      `tensor '${tensor}': external data ${key} ${value} is too large`,
    );
  }
  return n;
}

/** The location/offset/length entries of an external tensor. */
export function externalDataRef(t: TensorProto): ExternalDataRef {
  let location: string | undefined;
  let offset = 0;
  let length: number | undefined;
  for (const { key, value } of t.externalData) {
    if (key === 'location') location = value;
    else if (key === 'offset') offset = parseByteCount(value, key, t.name);
    else if (key === 'length') length = parseByteCount(value, key, t.name);
  }
  if (!location) {
    throw new StudioError('ExternalDataError', `tensor '${t.name}': external data has no location`);
  }
  return { location, offset, length };
}

/**
 * The file name a location resolves to. Locations are POSIX paths relative to the model; anything that
 * could step outside the model's folder (absolute, `..`, backslashes, drive letters) is refused.
 */
export function externalFileName(location: string): string {
  const bad =
    location.startsWith('/') ||
    location.includes('\\') ||
    /^[A-Za-z]:/.test(location) ||
    location.includes('\0') ||
    location.split('/').some((seg) => seg === '..');
  if (bad)
    throw new StudioError(
      'ExternalDataError',
      `external data location '${location}': path traversal is not allowed`,
    );
  const name = location.split('/').pop();
  if (!name || name === '.')
    throw new StudioError('ExternalDataError', `external data location '${location}' names no file`);
  return name;
}

/** Every distinct external data location the model uses, subgraphs and functions included, in first-use order. */
export function listExternalLocations(proto: ModelProto): string[] {
  const seen = new Set<string>();
  forEachTensor(proto, (t) => {
    if (isExternalTensor(t)) seen.add(externalDataRef(t).location);
  });
  return [...seen];
}

function checkRange(t: TensorProto, ref: ExternalDataRef, size: number): number {
  const length = ref.length ?? size - ref.offset;
  if (ref.offset > size || ref.offset + length > size) {
    throw new StudioError(
      'ExternalDataError',
      `tensor '${t.name}': external data offset ${ref.offset} + length ${length} is beyond the end of '${ref.location}' (${size} bytes)`,
    );
  }
  return length;
}

/**
 * Maps each location the model uses to one of the supplied files (matched by file name).
 * Validates every location and range up front; all missing files are reported in one error.
 */
export function resolveExternalFiles(
  proto: ModelProto,
  files: ReadonlyMap<string, BlobLike>,
  ambiguous: ReadonlyMap<string, readonly string[]> = new Map(),
): Map<string, BlobLike> {
  const resolved = new Map<string, BlobLike>();
  const missing: string[] = [];
  for (const location of listExternalLocations(proto)) {
    const name = externalFileName(location);
    const clash = ambiguous.get(name);
    if (!files.has(location) && clash) {
      // Two dropped files share the name the model asks for: picking one would be a guess.
      throw new StudioError(
        'ExternalDataError',
        `external data '${location}': ${clash.length} files named '${name}' were supplied (${clash.join(', ')}); supply only the one next to the model`,
      );
    }
    const blob = files.get(location) ?? files.get(name);
    if (blob) resolved.set(location, blob);
    else if (!missing.includes(name)) missing.push(name);
  }
  if (missing.length > 0) {
    throw new StudioError(
      'ExternalDataMissingError',
      `the model stores weights in ${missing.length === 1 ? 'a file' : 'files'} that ${missing.length === 1 ? 'was' : 'were'} not supplied: ${missing.join(', ')}`,
    );
  }
  forEachTensor(proto, (t) => {
    if (!isExternalTensor(t)) return;
    const ref = externalDataRef(t);
    checkRange(t, ref, resolved.get(ref.location)!.size);
  });
  return resolved;
}

/** Reads one external tensor's bytes: only its slice of the side file, never the whole file. */
export async function readExternalBytes(model: OnnxModel, t: TensorProto): Promise<Uint8Array> {
  const ref = externalDataRef(t);
  const blob = model.externalFiles.get(ref.location);
  if (!blob) {
    throw new StudioError(
      'ExternalDataMissingError',
      `tensor '${t.name}': external data file '${externalFileName(ref.location)}' was not supplied`,
    );
  }
  const length = checkRange(t, ref, blob.size);
  const bytes = new Uint8Array(await blob.slice(ref.offset, ref.offset + length).arrayBuffer());
  if (bytes.byteLength !== length) {
    throw new StudioError(
      'ExternalDataError',
      `tensor '${t.name}': short read from '${ref.location}': expected ${length} bytes, got ${bytes.byteLength}`,
    );
  }
  return bytes;
}
