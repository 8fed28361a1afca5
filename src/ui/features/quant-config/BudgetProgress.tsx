import { useShallow } from 'zustand/react/shallow';
import type { AppState } from '../../../state';
import { useAppStore } from '../../../state';

/** Which phase the budget plan is in, in words: measuring layer k/n at w bits, planning, refining m/12, quantizing. */
export function budgetPhaseText(s: AppState): string | null {
  const p = s.budgetPhase;
  if (!p) return null;
  if (p.phase === 'planning') {
    return s.budget.mode === 'size'
      ? 'Choosing bits per layer (exporting to measure the file against the budget)…'
      : 'Choosing bits per layer…';
  }
  if (p.phase === 'refining') {
    return `Refining ${p.done}/${p.cap}: whole assignments evaluated on the measured samples`;
  }
  if (p.phase === 'quantizing') return 'Quantizing the assignment…';
  const run = s.sensitivityRun;
  if (run.status !== 'running') return 'Measuring…';
  const width = run.sweep
    ? ` at ${run.sweep.bits} bits (width ${run.sweep.index + 1} of ${run.sweep.count})`
    : '';
  const q = run.progress;
  if (!q) return `Measuring${width}: starting onnxruntime…`;
  const who = q.layer === null ? 'the float model' : `layer ${q.done}/${q.total}`;
  return `Measuring ${who}${width} · ${q.sample}/${q.samples} samples`;
}

const select = (s: AppState) => ({
  phase: s.budgetPhase?.phase ?? null,
  text: budgetPhaseText(s),
  cancelling: s.batch.status === 'cancelling',
});

/** The budget plan's progress and its Cancel (the same batch as the Quantize bar's). */
export function BudgetProgress({ onCancel }: { onCancel: () => void }) {
  const { phase, text, cancelling } = useAppStore(useShallow(select));
  if (!phase) return null;
  return (
    <div className="row budget-progress" data-testid="budget-progress" data-phase={phase}>
      <p className="small muted" role="status" aria-live="polite">
        {cancelling ? 'Stopping…' : text}
      </p>
      <button type="button" className="btn" disabled={cancelling} onClick={onCancel}>
        {cancelling ? 'Cancelling…' : 'Cancel budget plan'}
      </button>
    </div>
  );
}
