import { TensorProto_DataLocation, type ModelProto } from 'onnx-buf';
import { externalDataRef, isExternalTensor } from '../onnx';
import { markLazy } from '../onnx/lazy';
import { shallowCopy } from '../onnx/proto';
import type { OnnxModel } from '../onnx/types';

/**
 * The exported file is one download: initializers still stored in the source's external data files (biases,
 * excluded weights) are written inline, so the file stands alone. Their bytes are not read here: each becomes a
 * lazy raw_data pointing at its slice of the side file, which the writer (stream.ts) copies in when it writes.
 */
export function inlineExternalInitializers(proto: ModelProto, source: OnnxModel): ModelProto {
  const graph = proto.graph!;
  if (!graph.initializer.some(isExternalTensor)) return proto;
  const initializer = graph.initializer.map((t) => {
    if (!isExternalTensor(t)) return t;
    const ref = externalDataRef(t);
    const blob = source.externalFiles.get(ref.location);
    // resolveExternalFiles checked every location and range when the model was opened
    if (!blob) throw new Error(`tensor '${t.name}': external data '${ref.location}' was not resolved`);
    const copy = shallowCopy(t, { dataLocation: TensorProto_DataLocation.DEFAULT, externalData: [] });
    markLazy(copy, {
      blob,
      start: ref.offset,
      end: ref.length === undefined ? blob.size : ref.offset + ref.length,
    });
    return copy;
  });
  return shallowCopy(proto, { graph: shallowCopy(graph, { initializer }) });
}
