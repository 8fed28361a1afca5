import { chooseEncoding, type Encoding } from '../export/encoding';
import { aiOnnxOpset, planOpsetUpgrade, upgradeOpset } from '../onnx/opset';
import { findWeights } from '../onnx';
import type { OnnxModel, WeightInfo } from '../onnx/types';
import type { QuantConfig, WeightSpec } from '../quant/config';
import { excludedReason, leftFloatReason, weightSpec } from './select';
import type { RunSummary } from './types';

/** One weight the run quantizes: its settings and how it is written. */
export interface Planned {
  weight: WeightInfo;
  spec: WeightSpec;
  encoding: Encoding;
  /** Why the weight got other settings than asked for (block larger than its reduction axis). */
  fallback?: string;
}

/** Decide every weight's encoding and whether the model's opset must rise (then on the upgraded model). */
export function plan(model: OnnxModel, config: QuantConfig, skipped: RunSummary['skipped'], notes: string[]) {
  // Gather tables are always found (so names never depend on the flag) and left float unless asked for.
  const weights = findWeights(model, { includeGather: true });
  const opset = aiOnnxOpset(model.proto) ?? 1; // no ai.onnx import: treat as opset 1
  const upgradable = [25, 21].find((t) => t > opset && planOpsetUpgrade(model.proto, t).ok) ?? null;
  const blockers = upgradable === null && opset < 25 ? planOpsetUpgrade(model.proto, 21) : null;
  const ctx = { opset, maxOpset: upgradable ?? (opset >= 25 ? opset : null), format: config.format };

  let target = opset;
  for (const w of weights) {
    const spec = weightSpec(config, w);
    if (!spec || leftFloatReason(w, spec)) continue;
    const enc = chooseEncoding(w, spec, ctx);
    if (enc?.kind === 'dq' && enc.domain === '' && enc.minOpset > target) target = enc.minOpset;
  }
  let working = model;
  if (target > opset) {
    const up = upgradeOpset(model.proto, target);
    working = { ...model, proto: up.proto };
    notes.push(`opset ${opset} → ${target}: ${up.changes.length ? up.changes.join('; ') : 'no op changed'}`);
  }
  const planned: Planned[] = [];
  const workingWeights = target > opset ? findWeights(working, { includeGather: true }) : weights;
  const wctx = { ...ctx, opset: target };
  for (const w of workingWeights) {
    const spec = weightSpec(config, w);
    const reason = spec ? leftFloatReason(w, spec) : excludedReason(config, w);
    if (!spec || reason) {
      skipped.push({ name: w.name, reason: reason!, bytes: w.bytes });
      continue;
    }
    const encoding = chooseEncoding(w, spec, wctx);
    if (encoding) planned.push({ weight: w, spec, encoding, fallback: spec.fallback });
    else {
      const why = blockers && !blockers.ok ? ` (upgrade blocked by ${blockers.blockers.join(', ')})` : '';
      skipped.push({
        name: w.name,
        bytes: w.bytes,
        reason: `${spec.granularity}-wise ${spec.bits}-bit needs opset ≥ 21 and the model is opset ${opset}${why}`,
      });
    }
  }
  return { working, planned, opset: target, weights: workingWeights };
}
