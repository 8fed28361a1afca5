import { useAppStore } from '../../../state';
import { confirmSensitivity } from '../../../state/actions/sensitivity';
import { durationText, type MeasurementEstimate } from '../../../state/actions/sensitivity-plan';

const cost = (e: MeasurementEstimate) => `${e.models} models, ${durationText(e.seconds)}`;

/** Before a long measurement: its estimated time, and cheaper choices (a sample of layers, one model per block). */
export function SensitivityConfirm() {
  const c = useAppStore((s) => s.sensitivityConfirm);
  if (!c) return null;
  const widths = c.widths.length > 1 ? ` at ${c.widths.length} widths` : '';
  return (
    <div
      className="notice"
      role="alertdialog"
      aria-label="Long measurement"
      data-testid="sensitivity-confirm"
    >
      <p className="small">
        Measuring all {c.all.units} layers{widths} runs {cost(c.all)} (
        {c.all.basis === 'measured'
          ? 'estimated from the last run on this model'
          : 'a rough guess from the weight count: nothing has been measured on this model yet'}
        ). The page stays usable; you can cancel at any time.
      </p>
      <div className="row">
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
          The budget needs every layer’s loss at every width, so it cannot use a sample or blocks.
        </p>
      )}
    </div>
  );
}
