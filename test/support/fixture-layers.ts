// The trained fixtures' weight layers and data as the GPTQ tests compute with them: each weight with its op's bias,
// and the 28×28 images scaled to 0..1 (rounded to float32, as the model is fed them) in float64.
import { readFileSync } from 'node:fs';
import type { NodeProto } from 'onnx-buf';
import { findWeights, parseModel, readTensorAsFloat32, readWeight } from '../../src/core/onnx';
import type { WeightInfo } from '../../src/core/onnx/types';
import { npyToFloat32, npyToLabels, parseNpy } from '../../src/core/samples/npy';
import { fixtureModel } from '../paths';

export const fixtureBytes = (model: string, path: string) =>
  new Uint8Array(readFileSync(fixtureModel(model, path)));

export interface FixtureLayer {
  info: WeightInfo;
  node: NodeProto;
  w: Float32Array;
  /** The op's third input (Conv / Gemm bias). */
  b: Float32Array;
}

/** Every weight of `<model>/model.onnx` in graph order, with its node and bias. */
export async function fixtureLayers(model: string): Promise<FixtureLayer[]> {
  const m = parseModel(fixtureBytes(model, 'model.onnx'), model);
  const graph = m.proto.graph!;
  const layers: FixtureLayer[] = [];
  for (const info of findWeights(m)) {
    const node = graph.node[info.nodeIndex];
    const bias = graph.initializer.find((t) => t.name === node.input[2])!;
    layers.push({ info, node, w: await readWeight(m, info), b: await readTensorAsFloat32(m, bias) });
  }
  return layers;
}

/** `<model>/<set>/inputs.npy` pixels / 255, rounded to float32 (as the model is fed them), flat. */
export const fixtureImages = (model: string, set: string): Float64Array =>
  Float64Array.from(npyToFloat32(parseNpy(fixtureBytes(model, `${set}/inputs.npy`), 'inputs')), (p) =>
    Math.fround(p / 255),
  );

export const fixtureLabels = (model: string, set: string): Int32Array =>
  npyToLabels(parseNpy(fixtureBytes(model, `${set}/labels.npy`), 'labels'));
