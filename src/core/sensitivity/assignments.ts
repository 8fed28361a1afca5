// Whole mixed-precision assignments measured against the float model on samples (the budget refinement's
// evaluator, src/core/mixed/refine.ts): every layer at its chosen width at once, as fake-quantized float weights
// (the same one-model-per-variant path as the per-layer sensitivity), through the evaluator.
import { equalizeModel } from '../equalize/equalize';
import { StudioError } from '../errors';
import type { ModeResult } from '../eval/results';
import type { Candidate } from '../mixed/candidates';
import { UNMEASURABLE, type Measurement } from '../mixed/refine';
import { findWeights, readLazyTensors } from '../onnx';
import type { OnnxModel } from '../onnx/types';
import type { IntBits, QuantConfig } from '../quant/config';
import type { PreprocessOptions, SampleSet } from '../samples';
import { nsr, runBesideFloat, type OpenModel, type SensitivityHooks } from './run';
import { layerVariant, measuredSpecFor, sensitivityTargets } from './variants';

export interface AssignmentsRequest {
  /** The base settings (scheme, granularity, per-layer settings, equalization); widths come from each assignment. */
  config: QuantConfig;
  /** Chosen candidate per layer; layers not named (or 'float') stay float. */
  assignments: Record<string, Candidate>[];
  preprocess: PreprocessOptions | null;
  maxSamples?: number;
  batchSize?: number;
}

/**
 * Measure each assignment whole: the worst output's noise-to-signal ratio vs float (the loss compared), with mean
 * KL(float ‖ assignment) and top-1 agreement when the model has a class-score output. KL is not the loss compared:
 * on models whose logits are large (mnist-8) the softmax saturates and every assignment's KL underflows to ~1e-271,
 * which cannot tell them apart, while the output noise-to-signal ratio is continuous on every model. Layers that cannot be
 * written back alone (tied, Constant, read through a Transpose…) are refused by name, never measured wrongly.
 */
export async function measureAssignments(
  model: OnnxModel,
  set: SampleSet,
  req: AssignmentsRequest,
  open: OpenModel,
  hooks: SensitivityHooks,
): Promise<Measurement[]> {
  model = { ...model, proto: await readLazyTensors(model.proto) };
  if (req.config.equalize) model = (await equalizeModel(model, req.config)).model;
  const weights = new Map(findWeights(model, { includeGather: true }).map((w) => [w.name, w]));
  const skipped = new Map(sensitivityTargets(model, req.config).skipped.map((s) => [s.name, s.reason]));
  for (const a of req.assignments) {
    for (const [name, c] of Object.entries(a)) {
      if (c === 'float') continue;
      if (!weights.has(name)) throw new StudioError('QuantConfigError', `no weight named ${name}`);
      const why = skipped.get(name);
      if (why) throw new StudioError('QuantConfigError', `${name} ${UNMEASURABLE}: ${why}`);
    }
  }
  const ids = req.assignments.map((_, i) => `assignment ${i + 1}`);
  const report = await runBesideFloat(
    model,
    set,
    req,
    ids.map((id) => ({ id, label: id })),
    async (id, floatBytes) => {
      const a = req.assignments[ids.indexOf(id)];
      const ws = Object.entries(a)
        .filter(([, c]) => c !== 'float')
        .map(([name]) => weights.get(name)!);
      if (!ws.length) return floatBytes;
      const v = await layerVariant(model, ws, (w) =>
        measuredSpecFor({ ...req.config, bits: a[w.name] as IntBits }, w.name),
      );
      return v.bytes;
    },
    open,
    { now: hooks.now, isCancelled: hooks.isCancelled, pause: hooks.pause },
  );
  return report.variants.map((v) => {
    const r = v.exact as ModeResult;
    const worst = Math.min(...r.outputs.map((o) => o.sqnrDb));
    return {
      loss: nsr(worst),
      kl: r.fidelity?.meanKl ?? null,
      agreement: r.fidelity?.top1Agreement ?? null,
    };
  });
}
