import { useEffect, useMemo } from 'react';
import type { PlotData } from 'plotly.js/lib/core';
import { useShallow } from 'zustand/react/shallow';
import { bitsLabel, selectModelId, useAppStore, type AppState, granularityLabel } from '../../../state';
import { ensureErrorCurve, errorCurveKey } from '../../../state/actions/views';
import type { ErrorCurvePoint } from '../../../protocol/dto';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { WeightSqnrTerm } from '../../components/WeightSqnr';
import { Plot } from '../../components/Plot';
import { SAMPLE_ELEMENTS } from '../../../core/pipeline/error-curve';

const selectCurves = (s: AppState) => {
  const modelId = selectModelId(s);
  const weight = s.selectedWeight;
  return {
    model: modelId ? s.errorCurves[errorCurveKey(modelId, null, s.config)] : undefined,
    progress: modelId ? s.errorCurveProgress[errorCurveKey(modelId, null, s.config)] : undefined,
    layer: modelId && weight ? s.errorCurves[errorCurveKey(modelId, weight, s.config)] : undefined,
    modelId,
    weight,
    config: s.config,
  };
};

const trace = (name: string, points: ErrorCurvePoint[], color: string, dash?: string): PlotData => ({
  type: 'scatter',
  mode: 'lines+markers',
  name,
  x: points.map((p) => bitsLabel(p.bits)),
  y: points.map((p) => (Number.isFinite(p.sqnrDb) ? p.sqnrDb : null)),
  line: { color, width: 2, dash },
  marker: { size: 7 },
  hovertemplate: `%{x}: %{y:.1f} dB<extra>${name}</extra>`,
  meta: { weight: name === 'whole model' ? null : name },
});

const LAYOUT = {
  xaxis: { title: 'bits', type: 'category' },
  yaxis: { title: 'weight SQNR (dB)' },
};

/** SQNR against bit width, for the whole model and the selected layer, with the current scheme/granularity. */
export function ErrorCurvePanel() {
  const { model, layer, progress, modelId, weight, config } = useAppStore(useShallow(selectCurves));
  useEffect(() => {
    if (!modelId) return;
    void ensureErrorCurve(null);
    if (weight) void ensureErrorCurve(weight);
  }, [modelId, weight, config]);
  const data = useMemo(() => {
    const out: PlotData[] = [];
    if (model?.status === 'ready') out.push(trace('whole model', model.data, '#6366f1'));
    if (layer?.status === 'ready' && weight) out.push(trace(weight, layer.data, '#f59e0b', 'dot'));
    return out;
  }, [model, layer, weight]);
  const err = [model, layer].find((e) => e?.status === 'error');
  const pending = [model, layer].some((e) => e?.status === 'loading');
  const share = [model, layer].find((e) => e?.status === 'ready' && e.data[0]?.share !== undefined);
  const estimate = share?.status === 'ready' ? share.data[0]?.share : undefined;
  return (
    <Panel
      title="Error vs bit width"
      subtitle={
        <>
          <WeightSqnrTerm /> of the whole model and the selected layer · {config.scheme},{' '}
          {granularityLabel(config)}
        </>
      }
      id="error-curve"
    >
      {err?.status === 'error' && (
        <ErrorNotice error={err.error} context="Couldn’t compute the error curve" />
      )}
      {estimate !== undefined && (
        <p className="muted" data-testid="error-curve-estimate">
          Estimate: a large model’s curve uses {(estimate * 100).toFixed(1)} % of its weight values (whole
          output channels, evenly spaced, of each weight above {SAMPLE_ELEMENTS / 2 ** 20} M values).
        </p>
      )}
      <Plot
        testId="plot-error-curve"
        label="SQNR against bit width"
        data={data}
        layout={LAYOUT}
        height={260}
        pending={pending}
        // The whole model's progress goes in the plot's own box: a line above it would move the page while it runs.
        emptyText={
          model?.status === 'loading' && progress
            ? `Whole model: ${progress.done} of ${progress.total} weights…`
            : pending
              ? 'Computing…'
              : 'No curve yet.'
        }
      />
    </Panel>
  );
}
