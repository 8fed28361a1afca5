// Parts of a weight without the rest: element ranges of its values read from Blob slices of the model file (lazy
// raw_data) or its external data file, so a view of a large weight can go through it a chunk at a time, or read
// only the channels it samples, instead of holding the whole tensor (hundreds of MB on an LLM).
import { StudioError } from '../errors';
import { dtypeBits, isFloatDtype } from './dtype';
import { externalDataRef, isExternalTensor } from './external';
import { lazyRaw } from './lazy';
import { tensorDtype, tensorElements } from './tensor';
import { decodeToFloat32 } from './tensor-decode';
import type { BlobLike, OnnxModel, WeightInfo } from './types';
import { applySteps } from './weight-trace';
import { traceWeight } from './weights';

/** Values [start, end) of a weight in `w.shape` layout (flat element indices), as a new array. */
export type RangeRead = (start: number, end: number) => Promise<Float32Array>;

/** Where a tensor's bytes lie in a file, when they are one range of it of the expected length. */
function byteRange(model: OnnxModel, t: ReturnType<typeof traceWeight>['tensor'], bytes: number) {
  if (isExternalTensor(t)) {
    const ref = externalDataRef(t);
    const blob = model.externalFiles.get(ref.location);
    if (!blob) return null;
    const length = ref.length ?? blob.size - ref.offset;
    return length === bytes && ref.offset + length <= blob.size ? { blob, start: ref.offset } : null;
  }
  const ref = lazyRaw(t);
  return ref && ref.end - ref.start === bytes ? { blob: ref.blob, start: ref.start } : null;
}

/**
 * A reader of element ranges of `w`, or null when its values are not a plain range of a file: held inline, packed
 * below a byte, or transposed on the way to its op (then readWeight reads it whole, and words any error). Casts
 * and reshapes are applied per range (they keep the layout), so a range is exactly that slice of readWeight's values.
 */
export function weightRangeReader(model: OnnxModel, w: WeightInfo): RangeRead | null {
  const t = traceWeight(model, w);
  if (t.steps.some((s) => s.perm)) return null;
  const dtype = tensorDtype(t.tensor);
  const elements = tensorElements(t.tensor);
  if (!isFloatDtype(dtype) || elements !== w.elements) return null;
  const size = dtypeBits(dtype) / 8;
  const src = byteRange(model, t.tensor, elements * size);
  if (!src) return null;
  return async (start, end) => {
    if (!(0 <= start && start <= end && end <= elements))
      throw new RangeError(`weight '${w.name}': range ${start}..${end} outside 0..${elements}`);
    const bytes = await readSlice(src.blob, src.start + start * size, src.start + end * size, t.tensor.name);
    return applySteps(decodeToFloat32(bytes, dtype, end - start, t.tensor.name, true), [end - start], t.steps)
      .data;
  };
}

async function readSlice(blob: BlobLike, start: number, end: number, tensor: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await blob.slice(start, end).arrayBuffer());
  } catch (e) {
    throw new StudioError(
      'OnnxParseError',
      `tensor '${tensor}': cannot read its data (${e instanceof Error ? e.message : String(e)}); was the file moved or changed?`,
      { cause: e },
    );
  }
  if (bytes.byteLength !== end - start)
    throw new StudioError(
      'OnnxParseError',
      `tensor '${tensor}': short read: expected ${end - start} bytes, got ${bytes.byteLength}`,
    );
  return bytes;
}

/**
 * The weight's values `chunk` at a time (the last one shorter), with the flat index of each chunk's first value:
 * range reads when the weight allows them, else one chunk of the whole weight.
 */
export async function* weightChunks(
  model: OnnxModel,
  w: WeightInfo,
  read: (model: OnnxModel, w: WeightInfo) => Promise<Float32Array>,
  chunk: number,
): AsyncGenerator<{ values: Float32Array; start: number }> {
  const range = w.elements > chunk ? weightRangeReader(model, w) : null;
  if (range) yield* rangeChunks(range, w.elements, chunk);
  else yield { values: await read(model, w), start: 0 };
}

/** `elements` values through `read`, `chunk` at a time (the last one shorter), with each chunk's first index. */
export async function* rangeChunks(
  read: RangeRead,
  elements: number,
  chunk: number,
): AsyncGenerator<{ values: Float32Array; start: number }> {
  for (let start = 0; start < elements; start += chunk)
    yield { values: await read(start, Math.min(elements, start + chunk)), start };
}
