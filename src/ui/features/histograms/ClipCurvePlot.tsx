import { useMemo } from 'react';
import type { Variant } from '../../../state';
import { Plot } from '../../components/Plot';
import { clipCurveTraces } from './clip-traces';
import { useClipViews } from './useClipViews';

const LAYOUT = {
  margin: { l: 64, r: 16, t: 28, b: 48 },
  xaxis: { title: 'clip ratio (fraction of each group’s min/max; 1 = min/max)', range: [0, 1.02] },
  yaxis: { title: 'weight reconstruction MSE', type: 'log' as const },
};

/**
 * MSE against the clip ratio for one weight, per variant that clips it (MSE or percentile), with the chosen clip
 * marked. Nothing is drawn when no variant clips the weight.
 */
export function ClipCurvePlot({ weight, variants }: { weight: string; variants: readonly Variant[] }) {
  const clips = useClipViews(weight, variants);
  const data = useMemo(() => clipCurveTraces(weight, clips), [weight, clips]);
  if (clips.length === 0) return null;
  return (
    <div className="plot-block" data-weight={weight}>
      <Plot
        testId="plot-clip-curve"
        label={`Reconstruction MSE against clip ratio for ${weight}`}
        data={data}
        layout={LAYOUT}
        height={240}
      />
    </div>
  );
}
