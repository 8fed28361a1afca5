// The studio's budget plan in the quantize worker: measured loss refined end to end through the page's evaluator
// (a callback, as comlink carries it), for average-bits and file-size budgets — the same answer and the same bytes as
// the CLI core (`runWithBudget`, what `qstudio quantize --target-bits/--target-size --calibration` runs) — and
// cancel at any point.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Candidate } from '../core/mixed/candidates';
import type { Measurement } from '../core/mixed/refine';
import { runWithBudget, type UserBudget } from '../core/mixed/run';
import { parseModel } from '../core/onnx';
import { normalizeConfig } from '../core/quant/config';
import { fixtureModel } from '../../test/paths';
import { quantizeApi as api } from './quantize.api';

const MLP = fixtureModel('mlp', 'model.onnx');
const bytes = new Uint8Array(readFileSync(MLP));
const open = (modelId: string) =>
  api.open({ modelId, file: new Blob([bytes]), fileName: 'model.onnx', sidecars: [] });
const bytesOf = async (blob: Promise<Blob>) => new Uint8Array(await (await blob).arrayBuffer());

// Hand-made losses: measured alone, net.2 is cheap to narrow and net.6 expensive; measured whole, net.2 and net.4
// both under 4 bits break the model (an interaction the per-layer sum cannot see, which the refinement must find).
const SCALE: Record<string, number> = { 'net.2.weight': 1, 'net.4.weight': 5, 'net.6.weight': 20 };
const alone = (name: string, c: Candidate) => (c === 'float' ? 0 : SCALE[name] * 2 ** -(c as number));
const measured = Object.fromEntries(
  Object.keys(SCALE).map((n) => [
    n,
    Object.fromEntries([2, 3, 4, 5, 6, 8].map((b) => [b, alone(n, b as Candidate)])),
  ]),
);
const whole = (a: Record<string, Candidate>): Measurement => {
  const narrow = (n: string) => a[n] !== 'float' && (a[n] as number) < 4;
  const sum = Object.entries(a).reduce((s, [n, c]) => s + alone(n, c), 0);
  return { loss: sum + (narrow('net.2.weight') && narrow('net.4.weight') ? 1 : 0), agreement: 1 };
};

/** An evaluator that records what it was asked, as the page's evaluate worker would answer. */
function evaluator() {
  const seen: Record<string, Candidate>[][] = [];
  const measure = async (as: Record<string, Candidate>[]) => (seen.push(as), as.map(whole));
  return { seen, measure };
}

describe('budget plan in the quantize worker, refined on measured loss', () => {
  it.each<[string, UserBudget]>([
    ['average bits', { targetBits: 3.5 }],
    ['file size', { fileBytes: 110_000 }],
    ['file size, tight', { fileBytes: 95_000 }],
  ])('%s: the same assignment and bytes as the CLI core, refined, within the budget', async (_, budget) => {
    const id = `mlp-${JSON.stringify(budget)}`;
    await open(id);
    const base = normalizeConfig({ bits: 4 });
    const studio = evaluator();
    const progress: [number, number][] = [];
    const plan = await api.planBudget(id, `plan-${id}`, base, budget, measured, {
      measure: studio.measure,
      onProgress: (done, cap) => void progress.push([done, cap]),
    });
    const cli = evaluator();
    const model = parseModel(bytes, 'model.onnx');
    const core = await runWithBudget(model, base, budget, 'cli', {
      measured,
      refine: { measure: cli.measure },
    });

    expect(studio.seen).toEqual(cli.seen);
    expect(studio.seen.flat().length).toBeGreaterThan(1);
    expect(progress[0]).toEqual([0, 12]);
    expect(plan.config.layers).toEqual(core.assignment.config.layers);
    expect(plan.config.mixed).toEqual(core.assignment.config.mixed);
    expect(plan.config.mixed?.refined?.evaluated).toBeGreaterThan(1);
    // Never two layers under 4 bits together: the interaction the refinement measured.
    const narrow = Object.values(plan.chosen).filter((c) => typeof c === 'number' && c < 4);
    expect(narrow.length).toBeLessThan(2);

    const summary = await api.quantize(id, `run-${id}`, plan.config);
    const exported = await bytesOf(api.exportModel(`run-${id}`));
    expect(Buffer.from(exported).equals(Buffer.from(core.bytes))).toBe(true);
    if ('fileBytes' in budget) expect(summary.fileBytesAfter).toBeLessThanOrEqual(budget.fileBytes);
    else expect(plan.averageBits).toBeLessThanOrEqual(budget.targetBits);
  });

  // The page's evaluator rejects with AbortError when the plan is cancelled during its run (the evaluate worker is
  // restarted); when cancelled as it answers, the worker stops at its next check (a batch, or the size check export).
  it.each<[string, UserBudget, boolean, string]>([
    ['average bits, evaluator aborted', { targetBits: 3.5 }, true, 'AbortError'],
    ['file size, evaluator aborted', { fileBytes: 110_000 }, true, 'AbortError'],
    ['file size, cancelled as it answers', { fileBytes: 110_000 }, false, 'CancelledError'],
  ])('%s: the plan rejects; a new plan runs', async (_, budget, aborts, name) => {
    const id = `mlp-cancel-${JSON.stringify(budget)}-${aborts}`;
    await open(id);
    const base = normalizeConfig({ bits: 4 });
    const planId = `plan-${id}`;
    let calls = 0;
    const measure = async (as: Record<string, Candidate>[]) => {
      calls++;
      await api.cancel(planId);
      if (aborts) throw new DOMException('Cancelled by the user', 'AbortError');
      return as.map(whole);
    };
    await expect(api.planBudget(id, planId, base, budget, measured, { measure })).rejects.toMatchObject({
      name,
    });
    expect(calls).toBe(1);
    const again = await api.planBudget(id, planId, base, budget, measured, evaluator());
    expect(again.config.mixed?.refined).toBeDefined();
  });

  it('cancel of a file-size plan stops its exports (no refinement: the weight-error proxy)', async () => {
    await open('mlp-size-proxy');
    const base = normalizeConfig({ bits: 4 });
    const plan = api.planBudget('mlp-size-proxy', 'plan-p', base, { fileBytes: 110_000 });
    await api.cancel('plan-p');
    await expect(plan).rejects.toMatchObject({ name: 'CancelledError' });
    const again = await api.planBudget('mlp-size-proxy', 'plan-p', base, { fileBytes: 110_000 });
    expect(again.config.mixed).toEqual({ targetBytes: 110_000, proxy: 'weight-error' });
  });
});
