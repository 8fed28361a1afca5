// After the solver, evaluate: the solver sums per-layer losses measured one layer at a time, but a model's loss is
// not additive. So a few assignments that fit the budget — the widest uniform width, that width plus the leftover
// spent by the solver, the solver's answer, and greedy local moves from the best so far — are each run whole on the
// calibration samples (the evaluator is injected), and the one with the least measured loss wins.
import { StudioError } from '../errors';
import type { Option } from './solve';
import { uniformFloor, type LayerTable } from './plan';
import type { Candidate } from './candidates';

/** What one whole assignment measured on the calibration samples (against the float model). */
export interface Measurement {
  /** The loss compared (the worst output's noise-to-signal ratio vs float, for the evaluator in core/sensitivity). */
  loss: number;
  /** Mean KL(float ‖ assignment), null without a class-score output (reported, not compared). */
  kl?: number | null;
  /** Top-1 agreement with the float model (0..1), null without a class-score output. */
  agreement: number | null;
}

/** Runs each assignment (chosen candidate per layer) whole and measures it; the order of the answers is theirs. */
export type MeasureAssignments = (assignments: Record<string, Candidate>[]) => Promise<Measurement[]>;

/** A starting assignment: picks index each layer's candidates. */
export interface Start {
  label: string;
  picks: number[];
}

export interface Evaluated extends Measurement {
  label: string;
  picks: number[];
  /** Predicted loss: the sum of the layers' measured-alone losses (what the solver minimises). */
  predicted: number;
  /** In the solver's units (nominal bits × weights, or stored bytes). */
  size: number;
}

export interface Refinement {
  /** Every configuration evaluated, in order. */
  evaluated: Evaluated[];
  /** Index into `evaluated` of the one kept: least measured loss, then smaller size, then first. */
  winner: number;
}

export interface RefineHooks {
  isCancelled?: () => boolean;
  /** Called before each batch of measurements: configurations done so far and the cap. */
  onProgress?: (done: number, cap: number) => void;
}

/** In the evaluator's error when an assignment holds a layer it cannot write back (the refinement is skipped). */
export const UNMEASURABLE = 'cannot be measured in place';

/** Whole-model evaluations at most (starts included): each is one model run over the calibration samples. */
export const MAX_EVALUATIONS = 12;
/** Local moves tried per round (each from the best so far). */
const MOVES_PER_ROUND = 3;

const keyOf = (picks: readonly number[]) => picks.join(',');
const sizeOf = (options: readonly Option[][], picks: readonly number[]) =>
  picks.reduce((s, k, i) => s + options[i][k].bytes, 0);
const predictedOf = (options: readonly Option[][], picks: readonly number[]) =>
  picks.reduce((s, k, i) => s + options[i][k].loss, 0);

/**
 * The widest uniform integer width that fits `limit` as picks (a layer without that width stays float, as a uniform
 * run leaves it), or null when none fits.
 */
export function uniformPicks(
  tables: readonly LayerTable[],
  options: readonly Option[][],
  limit: number,
): { bits: number; picks: number[] } | null {
  const bits = uniformFloor(tables, options, limit);
  if (bits === null) return null;
  const picks = tables.map((t) => {
    const k = t.candidates.indexOf(bits as Candidate);
    return k >= 0 ? k : t.candidates.indexOf('float');
  });
  return { bits, picks };
}

/**
 * Local moves from `picks`, most promising first: raise the layer whose predicted gain per unit of size is largest
 * to its next wider option, and pay for it (if over `limit`) by lowering, one step each, the layers whose predicted
 * cost per unit saved is smallest. Moves that cannot fit are dropped.
 */
export function localMoves(
  options: readonly Option[][],
  picks: readonly number[],
  limit: number,
): number[][] {
  const next = (i: number, dir: 1 | -1): number | null => {
    const now = options[i][picks[i]].bytes;
    let at: number | null = null;
    options[i].forEach((o, k) => {
      if (dir * (o.bytes - now) > 0 && (at === null || dir * (o.bytes - options[i][at].bytes) < 0)) at = k;
    });
    return at;
  };
  const raises = picks
    .map((k, i) => {
      const up = next(i, 1);
      if (up === null) return null;
      const gain = options[i][k].loss - options[i][up].loss;
      return { i, up, rate: gain / (options[i][up].bytes - options[i][k].bytes) };
    })
    .filter((r): r is { i: number; up: number; rate: number } => r !== null && r.rate > 0)
    .sort((a, b) => b.rate - a.rate);
  const lowers = picks
    .map((k, i) => {
      const down = next(i, -1);
      if (down === null) return null;
      const cost = options[i][down].loss - options[i][k].loss;
      return { i, down, rate: cost / (options[i][k].bytes - options[i][down].bytes) };
    })
    .filter((r): r is { i: number; down: number; rate: number } => r !== null)
    .sort((a, b) => a.rate - b.rate);
  const moves: number[][] = [];
  for (const r of raises) {
    const p = [...picks];
    p[r.i] = r.up;
    const lowered: number[] = [];
    for (const l of lowers) {
      if (sizeOf(options, p) <= limit) break;
      if (l.i === r.i) continue;
      p[l.i] = l.down;
      lowered.push(l.i);
    }
    // Undo lowerings a later (larger) one made unnecessary, most recent first.
    for (const i of lowered.reverse()) {
      const back = [...p];
      back[i] = picks[i];
      if (sizeOf(options, back) <= limit) p[i] = picks[i];
    }
    if (sizeOf(options, p) <= limit) moves.push(p);
  }
  return moves;
}

/**
 * Evaluate `starts` (each must fit `limit`), then improve the best by rounds of local moves while a move measures
 * better and evaluations remain. Never returns an assignment over the budget, and the winner is never worse on the
 * measured loss than any start (so not worse than the uniform start, when given one).
 */
export async function refineAssignment(
  options: readonly Option[][],
  limit: number,
  starts: readonly Start[],
  measure: (picks: number[][]) => Promise<Measurement[]>,
  hooks: RefineHooks = {},
  maxEvaluations = MAX_EVALUATIONS,
): Promise<Refinement> {
  const evaluated: Evaluated[] = [];
  const seen = new Set<string>();
  const run = async (batch: Start[]) => {
    const fresh = batch.filter((s) => {
      const k = keyOf(s.picks);
      if (seen.has(k) || sizeOf(options, s.picks) > limit) return false;
      seen.add(k);
      return true;
    });
    const room = fresh.slice(0, Math.max(0, maxEvaluations - evaluated.length));
    if (!room.length) return;
    if (hooks.isCancelled?.()) throw new StudioError('CancelledError', 'cancelled');
    hooks.onProgress?.(evaluated.length, maxEvaluations);
    const got = await measure(room.map((s) => s.picks));
    room.forEach((s, j) =>
      evaluated.push({
        ...got[j],
        label: s.label,
        picks: [...s.picks],
        predicted: predictedOf(options, s.picks),
        size: sizeOf(options, s.picks),
      }),
    );
  };
  await run([...starts]);
  if (!evaluated.length) throw new StudioError('QuantConfigError', 'no starting assignment fits the budget');
  for (let round = 1; evaluated.length < maxEvaluations; round++) {
    const before = bestOf(evaluated);
    const moves = localMoves(options, evaluated[before].picks, limit)
      .slice(0, MOVES_PER_ROUND)
      .map((picks, j) => ({ label: `local move ${round}.${j + 1}`, picks }));
    const count = evaluated.length;
    await run(moves);
    if (evaluated.length === count || bestOf(evaluated) === before) break;
  }
  return { evaluated, winner: bestOf(evaluated) };
}

function bestOf(xs: readonly Evaluated[]): number {
  let at = 0;
  xs.forEach((x, i) => {
    const b = xs[at];
    if (x.loss < b.loss || (x.loss === b.loss && x.size < b.size)) at = i;
  });
  return at;
}

/** Chosen candidate per layer for picks. */
export const chosenOf = (
  tables: readonly LayerTable[],
  picks: readonly number[],
): Record<string, Candidate> => Object.fromEntries(tables.map((t, i) => [t.name, t.candidates[picks[i]]]));
