import { useShallow } from 'zustand/react/shallow';
import type { RoundingMethod } from '../../../core/gptq/result';
import { useAppStore, type AppState } from '../../../state';
import { calibrationBlocker, calibrationPlan, setCalibrationCount } from '../../../state/actions/calibration';
import { setConfig } from '../../../state/actions/config';
import { Segmented } from '../../components/Segmented';

const selectMethod = (s: AppState) => {
  const plan = calibrationPlan(s); // flattened: the selector must return the same values for the same state
  return {
    method: s.config.method,
    biasCorrection: s.config.biasCorrection,
    count: s.calibrationCount,
    hasSamples: s.samples.status === 'ready',
    planCount: plan?.count ?? 0,
    planOf: plan?.of ?? 0,
    planName: plan?.name ?? null,
    heldOut: plan?.heldOut ?? false,
    fallback: plan?.fallback ?? null,
    blocker: calibrationBlocker(s),
    busy: s.batch.status !== 'idle',
  };
};

const NEEDS_SAMPLES = 'Needs calibration samples: load a sample set in Evaluate first';

/**
 * Rounding method (RTN, GPTQ, AdaRound) and bias correction. The data-aware ones calibrate on the first N samples of
 * the loaded set; the text says whether evaluation holds them out (Evaluate's "Hold out" box, `sample-split.ts`).
 */
export function MethodField() {
  const m = useAppStore(useShallow(selectMethod));
  const methods: { value: RoundingMethod; label: string; disabled?: boolean; title?: string }[] = [
    { value: 'rtn', label: 'RTN', title: 'Round to nearest (no data needed)' },
    {
      value: 'gptq',
      label: 'GPTQ',
      disabled: !m.hasSamples,
      title: m.hasSamples ? undefined : NEEDS_SAMPLES,
    },
    {
      value: 'adaround',
      label: 'AdaRound',
      disabled: !m.hasSamples,
      title: m.hasSamples ? 'Learned rounding: slower than GPTQ (300 steps per layer)' : NEEDS_SAMPLES,
    },
  ];
  const calibrating = m.method !== 'rtn' || m.biasCorrection;
  return (
    <fieldset className="field" disabled={m.busy} data-testid="method-field">
      <span className="field-label">Rounding</span>
      <Segmented
        label="Rounding method"
        value={m.method}
        options={methods}
        onChange={(method) => setConfig({ method })}
        testId="rounding-method"
      />
      <label className="check" title={m.hasSamples ? undefined : NEEDS_SAMPLES}>
        <input
          type="checkbox"
          checked={m.biasCorrection}
          disabled={!m.hasSamples && !m.biasCorrection}
          onChange={(e) => setConfig({ biasCorrection: e.currentTarget.checked })}
        />
        Bias correction (mean output shift per channel)
      </label>
      {calibrating && m.planName !== null && (
        <div className="row">
          <label className="inline-select" title="Calibration samples: the first N of the loaded set">
            <span className="muted small">calibrate on</span>
            <input
              type="number"
              aria-label="Calibration samples"
              min={1}
              step={1}
              value={m.count}
              onChange={(e) => setCalibrationCount(Number(e.currentTarget.value))}
            />
          </label>
        </div>
      )}
      <p className="muted small" data-testid="calibration-note">
        {!m.hasSamples
          ? 'GPTQ, AdaRound and bias correction need calibration samples: load a sample set in Evaluate.'
          : calibrating && m.planName !== null
            ? `Calibrates on the first ${m.planCount} of ${m.planOf} samples of ${m.planName}. ${
                m.heldOut
                  ? `Evaluation uses the other ${m.planOf - m.planCount} (held out).`
                  : `Evaluation uses all ${m.planOf}, these included (not held out${m.fallback ? `: ${m.fallback}` : ': see Hold out in Evaluate'}).`
              }`
            : 'Data-aware rounding calibrates on the first samples of your loaded set.'}
      </p>
      {m.blocker && m.hasSamples && <p className="note small">{m.blocker}</p>}
    </fieldset>
  );
}
