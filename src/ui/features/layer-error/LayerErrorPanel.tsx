import { useShallow } from 'zustand/react/shallow';
import { selectResultVariants, useAppStore, type ErrorMetric } from '../../../state';
import { setErrorMetric } from '../../../state/actions/ui';
import { Panel } from '../../components/Panel';
import { WeightSqnrTerm } from '../../components/WeightSqnr';
import { Segmented } from '../../components/Segmented';
import { LayerErrorPlot } from './LayerErrorPlot';

const METRICS: { value: ErrorMetric; label: string }[] = [
  { value: 'sqnrDb', label: 'SQNR' },
  { value: 'mse', label: 'MSE' },
  { value: 'maxAbsError', label: 'Max error' },
];

/** Quantization error of every layer, one trace per variant. */
export function LayerErrorPanel() {
  const variants = useAppStore(useShallow(selectResultVariants));
  const metric = useAppStore((s) => s.errorMetric);
  return (
    <Panel
      title="Error per layer"
      subtitle={
        <>
          One bar per variant (<WeightSqnrTerm>weight SQNR</WeightSqnrTerm> per layer, or MSE / max error).
          Click a bar to inspect that layer.
        </>
      }
      id="layer-error"
      actions={<Segmented label="Error metric" value={metric} options={METRICS} onChange={setErrorMetric} />}
    >
      <LayerErrorPlot variants={variants} testId="plot-layer-error" />
    </Panel>
  );
}
