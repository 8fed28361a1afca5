// Sequential capture (GPTQ's own procedure): each layer's Hessian comes from the model whose earlier layers are
// already quantized, so a layer compensates for the error its inputs carry. One calibration pass per layer.
import type { ModelProto } from 'onnx-buf';
import { StudioError } from '../errors';
import { shallowCopy } from '../onnx/proto';
import { makeFloat32Tensor } from '../onnx/tensor';
import type { OnnxModel } from '../onnx/types';
import {
  HessianCollector,
  withActivationOutputs,
  type ActivationRunner,
  floatFeeds,
  type RunFeed,
  type CaptureStats,
  type CaptureTarget,
} from './capture';
import type { LayerHessians } from './gptq';

type Feeds = AsyncIterable<{ feeds: Record<string, RunFeed>; samples: number }>;

/** Can a solved weight be written back over its initializer? (same element order, float32, a graph initializer) */
const writable = (t: CaptureTarget) =>
  t.weight.source === 'initializer' &&
  t.weight.dtype === 'float32' &&
  t.weight.via.every((op) => op === 'Reshape' || op === 'Identity');

/**
 * For each target in graph order: capture its input from the model with every earlier solved weight written back
 * as its dequantized values, then `solve` it (returns the dequantized weight, or null to leave it float here).
 * `feeds()` must yield the same samples each time. Weights that cannot be written back stay float in the prefix
 * and are listed in `notes`.
 */
export async function captureSequential(
  model: OnnxModel,
  serialize: (proto: ModelProto) => Uint8Array,
  targets: CaptureTarget[],
  runner: ActivationRunner,
  feeds: () => Feeds,
  solve: (t: CaptureTarget, layer: LayerHessians) => Promise<Float32Array | null>,
  hooks: { onLayer?: (i: number, total: number) => void; now?: () => number } = {},
): Promise<{
  hessians: Map<string, LayerHessians>;
  means: Map<string, Float64Array[]>;
  stats: CaptureStats;
  notes: string[];
}> {
  const now = hooks.now ?? (() => Date.now());
  const started = now();
  const graph = model.proto.graph!;
  const initializer = [...graph.initializer];
  const inputs = new Set(graph.input.map((i) => i.name));
  const hessians = new Map<string, LayerHessians>();
  const means = new Map<string, Float64Array[]>();
  const notes: string[] = [];
  let runs = 0;
  let samples = 0;
  let bytes = 0;
  for (const [i, t] of targets.entries()) {
    hooks.onLayer?.(i, targets.length);
    const prefix = shallowCopy(model.proto, { graph: shallowCopy(graph, { initializer: [...initializer] }) });
    const proto = inputs.has(t.activation)
      ? prefix
      : withActivationOutputs(prefix, [{ name: t.activation, dtype: t.weight.opDtype }]);
    const session = await runner.open(serialize(proto), inputs.has(t.activation) ? [] : [t.activation]);
    const collector = new HessianCollector([t]);
    samples = 0;
    try {
      for await (const f of feeds()) {
        const out = inputs.has(t.activation) ? {} : await session.run(f.feeds);
        collector.add({ ...floatFeeds(f.feeds), ...out });
        runs++;
        samples += f.samples;
      }
    } finally {
      await session.release();
    }
    if (samples === 0) throw new StudioError('SampleSetError', 'calibration needs at least one sample');
    const layer = collector.hessians().get(t.weight.name)!;
    bytes = Math.max(bytes, collector.bytes);
    hessians.set(t.weight.name, layer);
    means.set(t.weight.name, collector.means().get(t.weight.name)!);
    const solved = await solve(t, layer);
    if (!solved) continue;
    if (!writable(t)) {
      notes.push(
        `${t.weight.name}: stays float in the prefix the next layers see (${t.weight.dtype}, via ${t.weight.via.join('→') || 'Constant'})`,
      );
      continue;
    }
    const k = initializer.findIndex((x) => x.name === t.weight.initializer);
    const old = initializer[k];
    initializer[k] = makeFloat32Tensor(old.name, old.dims.map(Number), solved);
  }
  return { hessians, means, stats: { runs, samples, bytes, ms: now() - started }, notes };
}
