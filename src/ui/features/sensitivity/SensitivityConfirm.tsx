import { useAppStore } from '../../../state';
import { confirmBudgetPlan } from '../../../state/actions/budget';
import { confirmSensitivity } from '../../../state/actions/sensitivity';
import { durationText, type MeasurementEstimate } from '../../../state/actions/sensitivity-plan';
import type { SensitivityConfirm as Confirm } from '../../../state/sensitivity-slice';

/** Models run in all (per width × widths) and the time: "1206 models, about 15 min". */
const cost = (e: MeasurementEstimate, widths: number) =>
  `${e.models * widths} models, ${durationText(e.seconds)}`;

const basisText = (c: Confirm) =>
  c.all.basis === 'measured'
    ? 'estimated from the last run on this model'
    : 'a rough guess from the weight count: nothing has been measured on this model yet';

/**
 * Before a long measurement: its estimated time, and cheaper choices — in the Sensitivity panel (`panel`) a sample of
 * layers or one model per block; beside the budget field (`plan`, "Quantize to budget" measuring first) the
 * weight-error proxy.
 */
export function SensitivityConfirm({ purpose }: { purpose: Confirm['purpose'] }) {
  const c = useAppStore((s) => s.sensitivityConfirm);
  if (!c || c.purpose !== purpose) return null;
  return purpose === 'plan' ? <PlanConfirm c={c} /> : <PanelConfirm c={c} />;
}

function PanelConfirm({ c }: { c: Confirm }) {
  const widths = c.widths.length > 1 ? ` at ${c.widths.length} widths` : '';
  return (
    <div
      className="notice"
      role="alertdialog"
      aria-label="Long measurement"
      data-testid="sensitivity-confirm"
    >
      <p className="small">
        Measuring all {c.all.units} layers{widths} on {c.source} runs {cost(c.all, c.widths.length)} (
        {basisText(c)}). The page stays usable; you can cancel at any time.
      </p>
      <div className="row row-wrap">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="sensitivity-confirm-all"
          onClick={() => void confirmSensitivity('all')}
        >
          Measure all {c.all.units} layers
        </button>
        {c.block && (
          <button
            type="button"
            className="btn"
            data-testid="sensitivity-confirm-block"
            title="Every layer of a block quantized together: one model per block ranks blocks, not layers"
            onClick={() => void confirmSensitivity('block')}
          >
            By block: {c.block.units} blocks ({durationText(c.block.seconds)})
          </button>
        )}
        {c.sample && (
          <button
            type="button"
            className="btn"
            data-testid="sensitivity-confirm-sample"
            title="Layers spread evenly over the graph; the others are not ranked"
            onClick={() => void confirmSensitivity('sample')}
          >
            A sample of {c.sample.units} layers ({durationText(c.sample.seconds)})
          </button>
        )}
        <button
          type="button"
          className="btn"
          data-testid="sensitivity-confirm-cancel"
          onClick={() => void confirmSensitivity('cancel')}
        >
          Not now
        </button>
      </div>
      {c.widths.length > 1 && (
        <p className="muted small">
          The budget needs every layer’s loss at every width, so it cannot use a sample or blocks. Without it,
          “Quantize to budget” plans on the weight-error proxy (with a sample set loaded, it offers to measure
          first).
        </p>
      )}
    </div>
  );
}

/** "Quantize to budget" would first measure every layer at the missing widths: go on, use the proxy, or not now. */
function PlanConfirm({ c }: { c: Confirm }) {
  const total = c.all.seconds + (c.refineSeconds ?? 0);
  return (
    <div
      className="notice"
      role="alertdialog"
      aria-label="Long measurement before the budget plan"
      data-testid="budget-confirm"
    >
      <p className="small">
        Quantize to budget first measures each of the {c.all.units} layers alone at {c.widths.join(', ')} bits
        on {c.source}: {cost(c.all, c.widths.length)}
        {c.refineSeconds !== null && `, then refines on them (${durationText(c.refineSeconds)})`} (
        {basisText(c)}). The page stays usable; you can cancel at any time. The weight-error proxy needs no
        data and plans at once, usually worse.
      </p>
      <div className="row row-wrap">
        <button
          type="button"
          className="btn btn-primary"
          data-testid="budget-confirm-measure"
          onClick={() => void confirmBudgetPlan('measure')}
        >
          Measure and plan ({durationText(total)})
        </button>
        <button
          type="button"
          className="btn"
          data-testid="budget-confirm-proxy"
          title="Predict each layer's loss from its weight error (no data used, not refined)"
          onClick={() => void confirmBudgetPlan('proxy')}
        >
          Use the weight-error proxy
        </button>
        <button
          type="button"
          className="btn"
          data-testid="budget-confirm-cancel"
          onClick={() => void confirmBudgetPlan('cancel')}
        >
          Not now
        </button>
      </div>
    </div>
  );
}
