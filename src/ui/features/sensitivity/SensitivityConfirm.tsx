import type { ReactNode } from 'react';
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

/** A choice of a confirm: the first one given is the primary button. */
interface Choice {
  testId: string;
  label: ReactNode;
  title?: string;
  onClick: () => void;
}

/** The shape of both asks: what would run, one row of choices, then an optional note. */
function ConfirmDialog(props: {
  label: string;
  testId: string;
  text: ReactNode;
  choices: (Choice | null)[];
  note?: ReactNode;
}) {
  const choices = props.choices.filter((c) => c !== null);
  return (
    <div className="notice" role="alertdialog" aria-label={props.label} data-testid={props.testId}>
      <p className="small">{props.text}</p>
      <div className="row row-wrap">
        {choices.map((c, i) => (
          <button
            key={c.testId}
            type="button"
            className={i === 0 ? 'btn btn-primary' : 'btn'}
            data-testid={c.testId}
            title={c.title}
            onClick={c.onClick}
          >
            {c.label}
          </button>
        ))}
      </div>
      {props.note}
    </div>
  );
}

function PanelConfirm({ c }: { c: Confirm }) {
  const widths = c.widths.length > 1 ? ` at ${c.widths.length} widths` : '';
  return (
    <ConfirmDialog
      label="Long measurement"
      testId="sensitivity-confirm"
      text={
        <>
          Measuring all {c.all.units} layers{widths} on {c.source} runs {cost(c.all, c.widths.length)} (
          {basisText(c)}). The page stays usable; you can cancel at any time.
        </>
      }
      choices={[
        {
          testId: 'sensitivity-confirm-all',
          label: `Measure all ${c.all.units} layers`,
          onClick: () => void confirmSensitivity('all'),
        },
        c.block && {
          testId: 'sensitivity-confirm-block',
          label: `By block: ${c.block.units} blocks (${durationText(c.block.seconds)})`,
          title: 'Every layer of a block quantized together: one model per block ranks blocks, not layers',
          onClick: () => void confirmSensitivity('block'),
        },
        c.sample && {
          testId: 'sensitivity-confirm-sample',
          label: `A sample of ${c.sample.units} layers (${durationText(c.sample.seconds)})`,
          title: 'Layers spread evenly over the graph; the others are not ranked',
          onClick: () => void confirmSensitivity('sample'),
        },
        {
          testId: 'sensitivity-confirm-cancel',
          label: 'Not now',
          onClick: () => void confirmSensitivity('cancel'),
        },
      ]}
      note={
        c.widths.length > 1 && (
          <p className="muted small">
            The budget needs every layer’s loss at every width, so it cannot use a sample or blocks. Without
            it, “Quantize to budget” plans on the weight-error proxy (with a sample set loaded, it offers to
            measure first).
          </p>
        )
      }
    />
  );
}

/** "Quantize to budget" would first measure every layer at the missing widths: go on, use the proxy, or not now. */
function PlanConfirm({ c }: { c: Confirm }) {
  const total = c.all.seconds + (c.refineSeconds ?? 0);
  return (
    <ConfirmDialog
      label="Long measurement before the budget plan"
      testId="budget-confirm"
      text={
        <>
          Quantize to budget first measures each of the {c.all.units} layers alone at {c.widths.join(', ')}{' '}
          bits on {c.source}: {cost(c.all, c.widths.length)}
          {c.refineSeconds !== null && `, then refines on them (${durationText(c.refineSeconds)})`} (
          {basisText(c)}). The page stays usable; you can cancel at any time. The weight-error proxy needs no
          data and plans at once, usually worse.
        </>
      }
      choices={[
        {
          testId: 'budget-confirm-measure',
          label: `Measure and plan (${durationText(total)})`,
          onClick: () => void confirmBudgetPlan('measure'),
        },
        {
          testId: 'budget-confirm-proxy',
          label: 'Use the weight-error proxy',
          title: "Predict each layer's loss from its weight error (no data used, not refined)",
          onClick: () => void confirmBudgetPlan('proxy'),
        },
        {
          testId: 'budget-confirm-cancel',
          label: 'Not now',
          onClick: () => void confirmBudgetPlan('cancel'),
        },
      ]}
    />
  );
}
