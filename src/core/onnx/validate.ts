// Open-time checks that every stored tensor holds as much data as its shape says, without decoding anything:
// a mismatch is refused when the file is opened (inspect included), naming the tensor and what was expected.
import type { ModelProto, TensorProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { dtypeBits, dtypeByteSize, tryDtypeFromOnnx } from './dtype';
import { externalDataRef, isExternalTensor } from './external';
import { rawDataLength } from './lazy';
import { forEachTensor } from './graph';
import { tensorElements } from './tensor';
import type { BlobLike } from './types';

const mismatch = (
  t: TensorProto,
  dtype: string,
  field: string,
  actual: number,
  expected: number,
  unit: string,
) =>
  new StudioError(
    'OnnxParseError',
    `tensor '${t.name}' (${dtype}, dims [${t.dims.join(',')}]): ${field} holds ${actual} ${unit}, expected ${expected} for that shape`,
  );

/** Entries the typed field of this dtype must hold (complex counts two per element; sub-byte types pack). */
function typedCount(t: TensorProto, dtype: string, elements: number): [string, number, number] {
  const complex = dtype === 'complex64' || dtype === 'complex128';
  if (dtype === 'float32' || dtype === 'complex64')
    return ['float_data', t.floatData.length, elements * (complex ? 2 : 1)];
  if (dtype === 'float64' || dtype === 'complex128')
    return ['double_data', t.doubleData.length, elements * (complex ? 2 : 1)];
  if (dtype === 'int64') return ['int64_data', t.int64Data.length, elements];
  if (dtype === 'uint64' || dtype === 'uint32') return ['uint64_data', t.uint64Data.length, elements];
  const bits = dtypeBits(dtype as never);
  return ['int32_data', t.int32Data.length, bits >= 8 ? elements : Math.ceil(elements / (8 / bits))];
}

/** Throws when one tensor's stored data does not match its dims. Unknown dtypes are left to the code that reads them. */
export function checkTensorStorage(t: TensorProto, externalSizes: ReadonlyMap<string, number>): void {
  const dtype = tryDtypeFromOnnx(t.dataType);
  if (dtype === undefined) return;
  const elements = tensorElements(t); // refuses negative dims and element counts beyond 2^53
  if (dtype === 'string') {
    if (!isExternalTensor(t) && t.stringData.length !== elements)
      throw mismatch(t, dtype, 'string_data', t.stringData.length, elements, 'strings');
    return;
  }
  const bytes = dtypeByteSize(dtype, elements);
  if (isExternalTensor(t)) {
    const ref = externalDataRef(t);
    const size = externalSizes.get(ref.location);
    const length = ref.length ?? (size === undefined ? undefined : size - ref.offset);
    if (length !== undefined && length !== bytes)
      throw mismatch(t, dtype, `external data in '${ref.location}'`, length, bytes, 'bytes');
    return;
  }
  const typed =
    t.floatData.length + t.int32Data.length + t.int64Data.length + t.doubleData.length + t.uint64Data.length;
  const raw = rawDataLength(t);
  if (raw > 0 || typed === 0) {
    if (raw !== bytes) throw mismatch(t, dtype, 'raw_data', raw, bytes, 'bytes');
    return;
  }
  const [field, actual, expected] = typedCount(t, dtype, elements);
  if (actual !== expected) throw mismatch(t, dtype, field, actual, expected, 'values');
}

/** Checks every tensor the model stores (initializers, Constant attributes, subgraphs, functions). */
export function checkModelStorage(proto: ModelProto, external: ReadonlyMap<string, BlobLike>): void {
  const sizes = new Map([...external].map(([k, b]) => [k, b.size]));
  forEachTensor(proto, (t) => checkTensorStorage(t, sizes));
}
