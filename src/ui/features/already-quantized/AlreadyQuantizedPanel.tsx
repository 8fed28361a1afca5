import { useEffect, useMemo, useState } from 'react';
import type { PlotData } from 'plotly.js/lib/core';
import { selectModelId, selectSummary, useAppStore } from '../../../state';
import { ensureQuantizedHistogram, quantizedHistogramKey } from '../../../state/actions/views';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { Plot } from '../../components/Plot';
import { PALETTES } from '../../components/plot-theme';
import { useEffectiveTheme } from '../../hooks/useEffectiveTheme';
import { formatCount, formatShape } from '../../format';

/**
 * The integer weights an already-quantized model holds (not quantized again), and the selected one's histogram of
 * the values its op computes with: (q − zero point) · scale, read from the model's own integers and scales.
 */
export function AlreadyQuantizedPanel() {
  const list = useAppStore((s) => selectSummary(s)?.quantizedWeights);
  const modelId = useAppStore(selectModelId);
  const scale = useAppStore((s) => s.histogramScale);
  const theme = useEffectiveTheme();
  const [picked, setPicked] = useState<string | null>(null);
  const weights = useMemo(() => list ?? [], [list]);
  const selected = weights.find((w) => w.name === picked) ?? weights.find((w) => !w.unsupported) ?? null;
  const key = modelId && selected ? quantizedHistogramKey(modelId, selected.name) : null;
  const entry = useAppStore((s) => (key ? s.histograms[key] : undefined));

  useEffect(() => {
    if (selected && !selected.unsupported) void ensureQuantizedHistogram(selected.name);
  }, [selected, modelId]);

  const data = useMemo((): PlotData[] => {
    if (entry?.status !== 'ready' || !selected) return [];
    const h = entry.data;
    const x: number[] = [];
    const width: number[] = [];
    for (let i = 0; i + 1 < h.edges.length; i++) {
      x.push((h.edges[i] + h.edges[i + 1]) / 2);
      width.push(h.edges[i + 1] - h.edges[i]);
    }
    const what = selected.unit === 'value' ? 'dequantized' : 'levels (q − zero point)';
    return [
      {
        type: 'bar',
        name: `${selected.dtype} ${what}`,
        x,
        width,
        y: Array.from(h.float, (c) => (scale === 'log' && c === 0 ? null : c)),
        marker: { color: PALETTES[theme].float, opacity: 0.75 },
        hovertemplate: `%{x:.4g}: %{y} weights<extra>${selected.dtype} ${what}</extra>`,
        meta: { weight: selected.name, kind: 'already-quantized', runId: null },
      } as PlotData,
    ];
  }, [entry, selected, scale, theme]);

  const layout = useMemo(
    () => ({
      bargap: 0,
      xaxis: {
        title:
          selected?.unit === 'level'
            ? 'level (q − zero point); the scale is applied after the op'
            : 'weight value',
        zeroline: false,
      },
      yaxis: { title: 'count', type: scale === 'log' ? 'log' : 'linear', rangemode: 'tozero' },
    }),
    [scale, selected?.unit],
  );

  if (weights.length === 0) return null;
  return (
    <Panel
      title="Already-quantized weights"
      subtitle="Integer weights the model holds; not quantized again. Histogram of the values their op computes with."
      id="already-quantized"
      testId="already-quantized-weights"
    >
      <div className="table-scroll weights-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Weight</th>
              <th scope="col">Op</th>
              <th scope="col">Stored</th>
              <th scope="col">Shape</th>
              <th scope="col" className="num">
                Params
              </th>
            </tr>
          </thead>
          <tbody>
            {weights.map((w) => (
              <tr
                key={w.name}
                data-testid="quantized-row"
                data-weight={w.name}
                className={w === selected ? 'is-selected' : ''}
                aria-selected={w === selected}
                onClick={() => setPicked(w.name)}
              >
                <td className="cell-name">
                  <button type="button" className="link" title={w.name} aria-pressed={w === selected}>
                    {w.name}
                  </button>
                  {w.scope && <span className="via">in {w.scope}</span>}
                  {w.unsupported && <span className="via">no histogram: {w.unsupported}</span>}
                </td>
                <td>
                  <span className="op">{w.op}</span>
                </td>
                <td>
                  {w.dtype} {w.granularity}
                </td>
                <td className="mono">{formatShape(w.shape)}</td>
                <td className="num">{formatCount(w.elements)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected && (
        <div className="plot-block" data-weight={selected.name}>
          {entry?.status === 'error' && (
            <ErrorNotice error={entry.error} context="Couldn’t read the quantized weight" />
          )}
          {entry?.status === 'ready' && (
            <p className="muted small" data-testid="quantized-range">
              {selected.name}: {selected.unit === 'value' ? 'dequantized values' : 'levels'} in [
              {entry.data.min.toPrecision(4)}, {entry.data.max.toPrecision(4)}]
            </p>
          )}
          <Plot
            testId="plot-quantized-histogram"
            label={`Histogram of ${selected.name} (dequantized)`}
            data={data}
            layout={layout}
            height={260}
            pending={!entry || entry.status === 'loading'}
            emptyText={entry?.status === 'loading' ? 'Computing histogram…' : 'No histogram.'}
          />
        </div>
      )}
    </Panel>
  );
}
