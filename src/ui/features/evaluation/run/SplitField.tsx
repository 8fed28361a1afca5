import { useAppStore, type AppState } from '../../../../state';
import { setCalibrationSplit } from '../../../../state/actions/calibration';
import { selectSplitLabels } from '../../../../state/sample-split';

const selectLabel = (s: AppState) => selectSplitLabels(s)?.evaluation ?? null;

/**
 * Hold out the calibration samples: evaluation reads the samples after the first N that GPTQ / AdaRound / bias
 * correction, measured sensitivity and the budget's measured loss calibrate on. The line says what the next run reads.
 */
export function SplitField() {
  const split = useAppStore((s) => s.calibrationSplit);
  const count = useAppStore((s) => s.calibrationCount);
  const label = useAppStore(selectLabel);
  if (label === null) return null;
  return (
    <div className="eval-split" data-testid="eval-split">
      <label
        className="check"
        title={`Calibration (data-aware rounding, measured sensitivity, the budget's measured loss) uses the first ${count} samples; when the set has at least twice as many, evaluation uses the rest.`}
      >
        <input
          type="checkbox"
          data-testid="eval-holdout"
          checked={split === 'holdout'}
          onChange={(e) => setCalibrationSplit(e.currentTarget.checked ? 'holdout' : 'same')}
        />
        Hold out the first {count} samples (calibration) from evaluation
      </label>
      <p className="muted small" data-testid="eval-split-note">
        Next run: {label}.
      </p>
    </div>
  );
}
