import { useEffect, useMemo } from 'react';
import type { PlotData } from 'plotly.js-cartesian-dist-min';
import { selectModelId, selectWeight, useAppStore } from '../../../state';
import { channelRangesKey, ensureChannelRanges } from '../../../state/actions/views';
import type { ChannelRangesDto } from '../../../protocol/dto';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { Plot } from '../../components/Plot';

/** Per-channel [min, max] as floating bars, so outlier channels (which hurt per-tensor scales) stand out. */
export function channelRangeTraces(weight: string, r: ChannelRangesDto): PlotData[] {
  const n = r.min.length;
  const x = Array.from({ length: n }, (_, i) => i);
  return [
    {
      type: 'bar',
      name: 'range',
      x,
      base: Array.from(r.min),
      y: Array.from(r.max, (mx, i) => mx - r.min[i]),
      marker: { color: '#14b8a6', opacity: 0.8 },
      customdata: Array.from(r.max),
      hovertemplate: 'channel %{x}<br>min %{base:.4g}<br>max %{customdata:.4g}<extra></extra>',
      showlegend: false,
      meta: { weight, axis: r.axis },
    },
  ];
}

export function ChannelRangesPanel() {
  const weight = useAppStore(selectWeight);
  const modelId = useAppStore(selectModelId);
  const entry = useAppStore((s) =>
    modelId && s.selectedWeight ? s.channelRanges[channelRangesKey(modelId, s.selectedWeight)] : undefined,
  );
  const name = weight?.name ?? null;
  useEffect(() => {
    if (name) void ensureChannelRanges(name);
  }, [name, modelId]);
  const data = useMemo(
    () => (entry?.status === 'ready' && name ? channelRangeTraces(name, entry.data) : []),
    [entry, name],
  );
  const layout = useMemo(
    () => ({
      bargap: data[0] && (data[0].x as number[]).length > 64 ? 0 : 0.15,
      xaxis: { title: `channel (axis ${entry?.status === 'ready' ? entry.data.axis : '?'})` },
      yaxis: { title: 'weight value' },
    }),
    [data, entry],
  );
  return (
    <Panel
      title="Channel ranges"
      subtitle={name ? 'Min to max of each output channel' : 'Select a weight.'}
      id="channels"
    >
      {entry?.status === 'error' && (
        <ErrorNotice error={entry.error} context="Couldn’t compute channel ranges" />
      )}
      <Plot
        testId="plot-channel-ranges"
        label={`Per-channel ranges of ${name ?? 'the selected weight'}`}
        data={data}
        layout={layout}
        height={300}
        pending={entry?.status === 'loading'}
        emptyText={entry?.status === 'loading' ? 'Computing…' : 'No ranges to show.'}
      />
    </Panel>
  );
}
