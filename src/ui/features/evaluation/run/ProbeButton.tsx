import { selectEvalBusy, useAppStore } from '../../../../state';
import { evaluateProbe, probeBlocker } from '../../../../state/actions/evaluate-probe';

/** No sample set? A few made-up inputs from the model's input shapes still show when a variant breaks the model. */
export function ProbeButton() {
  const busy = useAppStore(selectEvalBusy);
  const blocker = useAppStore((s) => probeBlocker(s));
  return (
    <div className="row probe-row">
      <button
        type="button"
        className="btn"
        data-testid="probe-button"
        disabled={busy || blocker !== null}
        title={blocker ?? undefined}
        onClick={() => void evaluateProbe()}
      >
        Synthetic probe
      </button>
      <span className="muted small">
        No samples? Compare every variant’s outputs with the float model’s on 8 made-up inputs drawn from the
        input shapes (synthetic: not your data, no accuracy).
      </span>
    </div>
  );
}
