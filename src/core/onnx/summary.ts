// ModelSummary: what the UI shows about a model, without any weight values.
import type { ValueInfoProto } from 'onnx-buf';
import type { ModelSummary, ValueInfoDto } from './summary-types';
import { isFloatDtype, tryDtypeFromOnnx } from './dtype';
import { listExternalLocations } from './external';
import { forEachGraph, isDefaultDomain } from './graph';
import { detectQuantized } from './inventory';
import { listQuantizedWeights } from './quantized-weights';
import { tensorElements, tensorStoredBytes } from './tensor';
import type { OnnxModel, WeightInfo } from './types';

export function valueInfoDto(v: ValueInfoProto): ValueInfoDto {
  const type = v.type?.value;
  if (!type || (type.case !== 'tensorType' && type.case !== 'sparseTensorType')) {
    return { name: v.name, dtype: 'unknown', shape: [] };
  }
  const dims = type.value.shape?.dim ?? [];
  return {
    name: v.name,
    dtype: tryDtypeFromOnnx(type.value.elemType) ?? 'unknown',
    shape: dims.map((d) =>
      d.value.case === 'dimValue'
        ? Number(d.value.value)
        : d.value.case === 'dimParam'
          ? d.value.value
          : null,
    ),
  };
}

/** Summary of the main graph; params and bytes count every initializer and Constant (subgraphs included). */
export function summarizeModel(model: OnnxModel, weights: WeightInfo[] = []): ModelSummary {
  const { proto } = model;
  const graph = proto.graph;
  const initNames = new Set(graph?.initializer.map((t) => t.name) ?? []);
  const opsets: Record<string, number> = {};
  for (const o of proto.opsetImport) opsets[isDefaultDomain(o.domain) ? '' : o.domain] = Number(o.version);
  const opCounts: Record<string, number> = {};
  for (const n of graph?.node ?? []) {
    const key = isDefaultDomain(n.domain) ? n.opType : `${n.domain}.${n.opType}`;
    opCounts[key] = (opCounts[key] ?? 0) + 1;
  }
  let totalParams = 0;
  let totalWeightBytes = 0;
  if (graph) {
    forEachGraph(graph, (g) => {
      // Initializers, and float Constant nodes (some exporters store every weight as a Constant; shape and axes
      // Constants are not parameters).
      const constants = g.node.flatMap((n) => {
        const t = n.opType === 'Constant' && isDefaultDomain(n.domain) ? n.attribute[0]?.t : undefined;
        const dtype = t && tryDtypeFromOnnx(t.dataType);
        return t && dtype && isFloatDtype(dtype) ? [t] : [];
      });
      for (const t of [...g.initializer, ...constants]) {
        totalParams += tensorElements(t);
        totalWeightBytes += tensorStoredBytes(t);
      }
    });
  }
  return {
    fileName: model.fileName,
    fileBytes: model.fileBytes,
    name: graph?.name || model.fileName,
    producer: `${proto.producerName} ${proto.producerVersion}`.trim(),
    irVersion: Number(proto.irVersion),
    opsets,
    inputs: (graph?.input ?? []).filter((v) => !initNames.has(v.name)).map(valueInfoDto),
    outputs: (graph?.output ?? []).map(valueInfoDto),
    opCounts,
    totalParams,
    totalWeightBytes,
    weights,
    externalFiles: listExternalLocations(proto),
    quantized: graph ? detectQuantized(graph) : [],
    quantizedWeights: listQuantizedWeights(model),
  };
}
