import { describe, expect, it } from 'vitest';
import { initialState } from '../../../state/store';
import type { AppState } from '../../../state';
import { budgetPhaseText } from './BudgetProgress';

const at = (patch: Partial<AppState>): AppState => ({ ...initialState(), ...patch });
const measuring = (sweep: { bits: 2 | 5; index: number; count: number } | null, layer: string | null) =>
  at({
    budgetPhase: { phase: 'measuring' },
    sensitivityRun: {
      status: 'running',
      runId: 1,
      sweep,
      progress: { layer, done: 3, total: 4, sample: 10, samples: 64 },
    },
  });

describe('budgetPhaseText: which phase the budget plan is in', () => {
  it.each([
    [at({}), null],
    [
      measuring({ bits: 5, index: 3, count: 6 }, 'conv2'),
      'Measuring layer 3/4 at 5 bits (width 4 of 6) · 10/64 samples',
    ],
    [
      measuring({ bits: 2, index: 0, count: 6 }, null),
      'Measuring the float model at 2 bits (width 1 of 6) · 10/64 samples',
    ],
    [at({ budgetPhase: { phase: 'planning' } }), 'Choosing bits per layer…'],
    [
      at({ budgetPhase: { phase: 'planning' }, budget: { mode: 'size', bits: 4.5, megabytes: 1 } }),
      'Choosing bits per layer (exporting to measure the file against the budget)…',
    ],
    [
      at({ budgetPhase: { phase: 'refining', done: 5, cap: 12 } }),
      'Refining 5/12: whole assignments evaluated on the measured samples',
    ],
    [at({ budgetPhase: { phase: 'quantizing' } }), 'Quantizing the assignment…'],
  ])('%# → %s', (s, want) => expect(budgetPhaseText(s)).toBe(want));
});
