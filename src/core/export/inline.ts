import { TensorProto_DataLocation, type ModelProto } from 'onnx-buf';
import { isExternalTensor, readTensorBytes } from '../onnx';
import { shallowCopy } from '../onnx/proto';
import type { OnnxModel } from '../onnx/types';

/**
 * The exported file is one download: initializers still stored in the source's external data files (biases,
 * excluded weights) are read (lazily, one by one) and written inline, so the file stands alone.
 */
export async function inlineExternalInitializers(proto: ModelProto, source: OnnxModel): Promise<ModelProto> {
  const graph = proto.graph!;
  if (!graph.initializer.some(isExternalTensor)) return proto;
  const initializer = await Promise.all(
    graph.initializer.map(async (t) =>
      isExternalTensor(t)
        ? shallowCopy(t, {
            rawData: (await readTensorBytes(source, t)) as Uint8Array<ArrayBuffer>,
            dataLocation: TensorProto_DataLocation.DEFAULT,
            externalData: [],
          })
        : t,
    ),
  );
  return shallowCopy(proto, { graph: shallowCopy(graph, { initializer }) });
}
