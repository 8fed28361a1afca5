import { describe, expect, it } from 'vitest';
import { normalizeConfig } from '../quant/config';
import { syntheticMlp } from '../../../test/support/synthetic-mlp';
import type { Candidate } from './candidates';
import { StudioError } from '../errors';
import { localMoves, refineAssignment, UNMEASURABLE, type Measurement } from './refine';
import { planBudget } from './run';
import type { Option } from './solve';

// Three layers in solver units (bits × weights), options at 2, 4, 6, 8 bits; predicted (per-layer) losses.
const o = (bytes: number, loss: number): Option => ({ bytes, loss });
const OPTIONS: Option[][] = [
  [o(200, 9), o(400, 1), o(600, 0.5), o(800, 0.4)], // 100 weights
  [o(200, 9), o(400, 2), o(600, 0.6), o(800, 0.5)], // 100 weights
  [o(20, 9), o(40, 3), o(60, 0.6), o(80, 0.2)], // 10 weights
];
const LIMIT = 1300;

/** A fake whole-model loss: the predicted sum, plus an interaction the per-layer losses cannot see. */
function fakeMeasure(interaction: (p: number[]) => number) {
  const calls: number[][] = [];
  const measure = async (batch: number[][]): Promise<Measurement[]> =>
    batch.map((p) => {
      calls.push(p);
      const sum = p.reduce((s, k, i) => s + OPTIONS[i][k].loss, 0);
      return { loss: sum + interaction(p), agreement: null };
    });
  return { measure, calls };
}
const size = (p: number[]) => p.reduce((s, k, i) => s + OPTIONS[i][k].bytes, 0);

describe('refining a budget assignment end to end', () => {
  it('keeps the measured best, evaluates the uniform start first, stays within the budget', async () => {
    // Layer 0 and 1 both above 4 bits costs a lot more together than their losses alone say.
    const { measure, calls } = fakeMeasure((p) => (p[0] >= 2 && p[1] >= 2 ? 5 : 0));
    const starts = [
      { label: 'uniform int4', picks: [1, 1, 1] },
      { label: 'solver', picks: [3, 3, 3] }, // size 1680: over the limit, never evaluated
      { label: 'solver fits', picks: [2, 2, 1] }, // predicted 4.1, measured 9.1
      { label: 'other', picks: [2, 1, 3] }, // predicted 2.7, size 1080
    ];
    const r = await refineAssignment(OPTIONS, LIMIT, starts, measure);
    expect(calls[0]).toEqual([1, 1, 1]);
    expect(r.evaluated[0].label).toBe('uniform int4');
    expect(r.evaluated.map((e) => e.label)).not.toContain('solver');
    for (const e of r.evaluated) expect(e.size).toBeLessThanOrEqual(LIMIT);
    const best = Math.min(...r.evaluated.map((e) => e.loss));
    expect(r.evaluated[r.winner].loss).toBe(best);
    expect(r.evaluated[r.winner].loss).toBeLessThanOrEqual(r.evaluated[0].loss);
    // From [2,1,3] (2.7) a local move raises layer 0 to 8 bits (2.6, size 1280); raising layer 1 instead would
    // measure 6.3 (the interaction).
    expect(r.evaluated[r.winner].picks).toEqual([3, 1, 3]);
    expect(r.evaluated[r.winner].loss).toBeCloseTo(2.6, 12);
  });

  it('keeps uniform when every alternative measures worse (the result is never worse than uniform)', async () => {
    const { measure } = fakeMeasure((p) => (p.join() === '1,1,1' ? -100 : 0));
    const r = await refineAssignment(
      OPTIONS,
      LIMIT,
      [
        { label: 'uniform int4', picks: [1, 1, 1] },
        { label: 'solver', picks: [2, 1, 3] },
      ],
      measure,
    );
    expect(r.evaluated[r.winner].label).toBe('uniform int4');
  });

  it('local moves find what the predicted sum misses, and stop when nothing measures better', async () => {
    // The measurement loves layer 2 at 8 bits far more than predicted: the first move raises it.
    const { measure } = fakeMeasure((p) => (p[2] === 3 ? -10 : 0));
    const r = await refineAssignment(OPTIONS, 1000, [{ label: 'uniform int4', picks: [1, 1, 1] }], measure);
    const win = r.evaluated[r.winner];
    expect(win.picks[2]).toBe(3);
    expect(win.label).toMatch(/^local move/);
    expect(size(win.picks)).toBeLessThanOrEqual(1000);
    expect(r.evaluated.length).toBeLessThanOrEqual(12);
    expect(new Set(r.evaluated.map((e) => e.picks.join())).size).toBe(r.evaluated.length); // none twice
  });

  it.each([
    // picks, limit, expected first move: raise the best gain per unit, pay by lowering the cheapest other layer
    [[1, 1, 1], 1000, [1, 1, 2]], // spare 160 units: layer 2 to 6 bits gains 2.4 per 20 units, the best rate
    [[1, 1, 2], 880, [1, 1, 3]], // 8 bits for layer 2 fits exactly (880)
    // No spare: raise layer 1 (1.4 per 200); lowering layer 2 (0.02 per unit) is cheapest but saves too little, so
    // layer 0 (0.04 per unit) is lowered too, and then layer 2's lowering is undone as unneeded.
    [[1, 1, 3], 880, [0, 2, 3]],
  ])('local move from %j within %i: %j', (picks, limit, first) => {
    const moves = localMoves(OPTIONS, picks, limit);
    expect(moves[0]).toEqual(first);
    for (const m of moves) expect(size(m)).toBeLessThanOrEqual(limit);
  });

  it('respects the evaluation cap and cancellation', async () => {
    const { measure } = fakeMeasure((p) => -p.reduce((a, b) => a + b, 0));
    const r = await refineAssignment(OPTIONS, 2400, [{ label: 'u', picks: [0, 0, 0] }], measure, {}, 4);
    expect(r.evaluated.length).toBe(4);
    await expect(
      refineAssignment(OPTIONS, 2400, [{ label: 'u', picks: [0, 0, 0] }], measure, {
        isCancelled: () => true,
      }),
    ).rejects.toThrow(/cancel/i);
  });
});

describe('planBudget with refinement', () => {
  // Measured alone, w1 at 3 bits looks harmless, so the solver takes w1 to 3 bits; measured whole, any layer under
  // 4 bits ruins the model. Refinement must evaluate uniform int4 and not return the solver's answer.
  const measuredAlone = {
    w1: { 2: 9, 3: 0.011, 4: 0.01, 5: 0.009, 6: 0.008, 8: 0.007 },
    w2: { 2: 9, 3: 5, 4: 0.1, 5: 0.05, 6: 0.04, 8: 0.03 },
    w3: { 2: 9, 3: 5, 4: 2, 5: 1.5, 6: 1, 8: 0.5 },
  };
  const whole = async (as: Record<string, Candidate>[]): Promise<Measurement[]> =>
    as.map((a) => {
      const bits = Object.values(a).map((c) => (c === 'float' ? 32 : (c as number)));
      return { loss: bits.some((b) => b < 4) ? 100 : 1 / bits.reduce((s, b) => s + b, 0), agreement: 1 };
    });

  it('the winner is the measured best, within the budget, and the recipe says so', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    const solver = await planBudget(model, base, { targetBits: 4.2 }, { measured: measuredAlone });
    expect(solver.chosen.w1).toBe(3);
    const seen: Record<string, Candidate>[] = [];
    const a = await planBudget(
      model,
      base,
      { targetBits: 4.2 },
      {
        measured: measuredAlone,
        refine: { measure: async (as) => (seen.push(...as), whole(as)) },
      },
    );
    expect(seen[0]).toEqual({ w1: 4, w2: 4, w3: 4 }); // uniform int4 first
    expect(a.refinement!.evaluated[0].label).toBe('uniform int4');
    expect(Object.values(a.chosen).every((c) => c === 'float' || (c as number) >= 4)).toBe(true);
    expect(a.averageBits).toBeLessThanOrEqual(4.2);
    expect(a.config.mixed).toMatchObject({
      proxy: 'measured',
      refined: {
        evaluated: a.refinement!.evaluated.length,
        winner: a.refinement!.evaluated[a.refinement!.winner].label,
      },
    });
    for (const [name, c] of Object.entries(a.chosen))
      expect(a.config.layers[name]).toEqual(c === 'float' ? { skip: true } : { bits: c });
  });

  it('an assignment the evaluator cannot write back keeps the solver answer and says why; other errors stop', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    const solver = await planBudget(model, base, { targetBits: 4.2 }, { measured: measuredAlone });
    const a = await planBudget(
      model,
      base,
      { targetBits: 4.2 },
      {
        measured: measuredAlone,
        refine: {
          measure: async () => {
            throw new StudioError('QuantConfigError', `w1 ${UNMEASURABLE}: tied weight`);
          },
        },
      },
    );
    expect(a.chosen).toEqual(solver.chosen);
    expect(a.refinement).toBeUndefined();
    expect(a.refineSkipped).toMatch(/w1 cannot be measured in place: tied weight/);
    expect(a.config.mixed?.refined).toBeUndefined();
    const failing = planBudget(
      model,
      base,
      { targetBits: 4.2 },
      {
        measured: measuredAlone,
        refine: {
          measure: async () => {
            throw new Error('onnxruntime failed');
          },
        },
      },
    );
    await expect(failing).rejects.toThrow('onnxruntime failed');
  });

  it('is not used with the weight-error proxy', async () => {
    const model = syntheticMlp();
    const base = normalizeConfig({});
    let called = false;
    const a = await planBudget(
      model,
      base,
      { targetBits: 4.5 },
      {
        refine: { measure: async (as) => ((called = true), whole(as)) },
      },
    );
    expect(called).toBe(false);
    expect(a.refinement).toBeUndefined();
  });
});
