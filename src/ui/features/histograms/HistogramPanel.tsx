import { useShallow } from 'zustand/react/shallow';
import { selectResultVariants, selectWeight, useAppStore } from '../../../state';
import { setHistogramScale } from '../../../state/actions/ui';
import { Panel } from '../../components/Panel';
import { Segmented } from '../../components/Segmented';
import { formatCount, formatShape } from '../../format';
import { HistogramPlot } from './HistogramPlot';
import { ClipCurvePlot } from './ClipCurvePlot';

const SCALES = [
  { value: 'linear', label: 'Linear' },
  { value: 'log', label: 'Log' },
] as const;

/** The selected weight's value distribution, float vs every variant. */
export function HistogramPanel() {
  const weight = useAppStore(selectWeight);
  const variants = useAppStore(useShallow(selectResultVariants));
  const scale = useAppStore((s) => s.histogramScale);
  return (
    <Panel
      title="Weight histogram"
      subtitle={
        weight ? (
          <>
            <code>{weight.name}</code> · {weight.op} {formatShape(weight.shape)} ·{' '}
            {formatCount(weight.elements)} values
          </>
        ) : (
          'Select a weight in the table.'
        )
      }
      id="histogram"
      actions={<Segmented label="Count axis" value={scale} options={SCALES} onChange={setHistogramScale} />}
    >
      {weight ? (
        <>
          <HistogramPlot weight={weight.name} variants={variants} testId="plot-histogram" />
          <ClipCurvePlot weight={weight.name} variants={variants} />
        </>
      ) : (
        <p className="empty">Select a weight to see its values.</p>
      )}
    </Panel>
  );
}
