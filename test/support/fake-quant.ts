// "The float model with dequantized weights written back": the original graph, each quantized weight's initializer
// overwritten with the dequantized values the core computes (its metrics and plots show these same values).
import { create, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataType as DT, TensorProtoSchema } from 'onnx-buf';
import { findWeights, readWeight, shallowCopy } from '../../src/core/onnx';
import { toFloat16Array } from '../../src/core/onnx/float16';
import type { OnnxModel } from '../../src/core/onnx/types';
import type { QuantConfig } from '../../src/core/quant/config';
import { weightSpec } from '../../src/core/pipeline/select';
import { quantizeWeight } from '../../src/core/pipeline/weight';
import type { RunSummary } from '../../src/protocol/dto';

export async function fakeQuantModel(
  model: OnnxModel,
  config: QuantConfig,
  summary: RunSummary,
): Promise<Uint8Array> {
  const done = new Set(summary.layers.map((l) => l.name));
  const graph = shallowCopy(model.proto.graph!, { initializer: [...model.proto.graph!.initializer] });
  for (const w of findWeights(model, { includeGather: true })) {
    if (!done.has(w.name)) continue;
    if (w.via.some((op) => op !== 'Reshape' && op !== 'Identity'))
      throw new Error(`${w.name}: cannot write back through ${w.via}`);
    const values = quantizeWeight(await readWeight(model, w), w, weightSpec(config, w)!).dequantized;
    const i = graph.initializer.findIndex((t) => t.name === w.initializer);
    const old = graph.initializer[i];
    const half = old.dataType === DT.FLOAT16;
    const data = half ? toFloat16Array(values) : values;
    graph.initializer[i] = create(TensorProtoSchema, {
      name: old.name,
      dims: old.dims,
      dataType: half ? DT.FLOAT16 : DT.FLOAT,
      rawData: new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength),
    });
  }
  return toBinary(ModelProtoSchema, shallowCopy(model.proto, { graph }));
}
