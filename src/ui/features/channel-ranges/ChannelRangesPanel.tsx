import { useEffect, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import {
  resultOf,
  selectModelId,
  selectResultVariants,
  selectWeight,
  useAppStore,
  variantShortLabel,
} from '../../../state';
import {
  channelErrorsKey,
  channelRangesKey,
  ensureChannelErrors,
  ensureChannelRanges,
} from '../../../state/actions/views';
import { ErrorNotice } from '../../components/ErrorNotice';
import { Panel } from '../../components/Panel';
import { Plot } from '../../components/Plot';
import { useVariantColors } from '../../components/variant-colors';
import { formatCount } from '../../format';
import {
  channelErrorTraces,
  channelRangeTraces,
  channelsPerBar,
  stepTraces,
  type VariantChannels,
} from './channel-traces';

/** The selected weight's variants with a result, and their per-channel errors as they arrive. */
function useVariantChannels(weight: string | null): { list: VariantChannels[]; pending: boolean } {
  const modelId = useAppStore(selectModelId);
  const variants = useAppStore(useShallow(selectResultVariants));
  const colors = useVariantColors();
  const runs = variants.flatMap((v) => {
    const r = resultOf(v);
    return r ? [{ variant: v, runId: r.runId }] : [];
  });
  const keys = modelId && weight ? runs.map((r) => channelErrorsKey(modelId, weight, r.runId)) : [];
  const entries = useAppStore(useShallow((s) => keys.map((k) => s.channelErrors[k])));
  const runKey = runs.map((r) => r.runId).join(',');
  useEffect(() => {
    if (!weight) return;
    for (const r of runs) void ensureChannelErrors(weight, { runId: r.runId, config: r.variant.config });
    // runs is derived from runKey
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [weight, runKey, modelId]);
  const list = useMemo(
    () =>
      runs.flatMap((r, i): VariantChannels[] => {
        const e = entries[i];
        return e?.status === 'ready'
          ? [
              {
                id: r.variant.id,
                label: variantShortLabel(r.variant),
                color: colors[r.variant.id],
                runId: r.runId,
                errors: e.data,
                equalized: !!r.variant.config.equalize,
              },
            ]
          : [];
      }),
    // useShallow keeps `entries` stable until one changes; runs follow runKey.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [entries, runKey, colors],
  );
  return { list, pending: entries.some((e) => !e || e.status === 'loading') };
}

/** Per variant: how many channels round to all zeros, and the worst channel's SQNR. */
function ZeroedSummary({ list }: { list: VariantChannels[] }) {
  if (list.length === 0) return null;
  return (
    <ul className="channel-summary small" data-testid="channel-summary">
      {list.map((v) => {
        const finite = Array.from(v.errors.sqnrDb).filter(Number.isFinite);
        const worst = finite.length ? Math.min(...finite) : null;
        const n = v.errors.sqnrDb.length;
        return (
          <li key={v.id} data-variant={v.id} data-zeroed={v.errors.zeroedCount}>
            <span className="dot" style={{ background: v.color }} aria-hidden="true" /> {v.label}:{' '}
            <strong className={v.errors.zeroedCount > 0 ? 'delta-down' : undefined}>
              {formatCount(v.errors.zeroedCount)} of {formatCount(n)}
            </strong>{' '}
            channels round to all zeros
            {worst !== null && <> · worst channel {worst.toFixed(1)} dB</>}
            {v.errors.step !== null && <> · per-tensor step {v.errors.step.toPrecision(3)}</>}
          </li>
        );
      })}
    </ul>
  );
}

const LEGEND_ROW = 20;
/** Legend entries, one row each at most (long per-tensor step names fill a row). */
const legendRows = (data: readonly object[]): number =>
  data.filter((t) => (t as { showlegend?: boolean }).showlegend !== false).length;
/**
 * The legend below the x title, in a bottom margin grown by one row per entry (and the plot by as much), so it never
 * meets the title (paper-relative it did, as variants were added) nor the mode bar top right (long entries above did).
 */
const legendBelow = (rows: number) => ({
  legend: { orientation: 'h', yref: 'container', y: 0, yanchor: 'bottom' },
  margin: { b: 52 + LEGEND_ROW * rows },
});

export function ChannelRangesPanel() {
  const weight = useAppStore(selectWeight);
  const modelId = useAppStore(selectModelId);
  const entry = useAppStore((s) =>
    modelId && s.selectedWeight ? s.channelRanges[channelRangesKey(modelId, s.selectedWeight)] : undefined,
  );
  const name = weight?.name ?? null;
  const { list, pending } = useVariantChannels(name);
  useEffect(() => {
    if (name) void ensureChannelRanges(name);
  }, [name, modelId]);
  const ranges = entry?.status === 'ready' ? entry.data : null;
  const data = useMemo(
    () =>
      ranges && name ? [...channelRangeTraces(name, ranges), ...stepTraces(ranges.min.length, list)] : [],
    [ranges, name, list],
  );
  const errorData = useMemo(() => channelErrorTraces(list), [list]);
  const many = ranges ? ranges.min.length > 64 : false;
  const perBar = ranges ? channelsPerBar(ranges.min.length) : 1;
  const grouped = perBar > 1 ? ` — ${perBar} per bar` : '';
  const rangeRows = legendRows(data);
  const errorRows = legendRows(errorData);
  const layout = useMemo(
    () => ({
      bargap: many ? 0 : 0.15,
      xaxis: { title: `channel (axis ${ranges?.axis ?? '?'})${grouped}` },
      yaxis: { title: 'weight value' },
      ...legendBelow(rangeRows),
    }),
    [many, ranges, grouped, rangeRows],
  );
  const errorLayout = useMemo(
    () => ({
      barmode: 'group',
      bargap: many ? 0 : 0.15,
      xaxis: { title: `channel${grouped ? `${grouped}, the worst shown` : ''}` },
      yaxis: { title: 'SQNR per channel (dB)', rangemode: 'tozero' },
      ...legendBelow(errorRows),
    }),
    [many, grouped, errorRows],
  );
  return (
    <Panel
      title="Channel ranges"
      subtitle={
        name
          ? 'Min to max of each output channel, with each per-tensor variant’s step: channels inside the band round to zero'
          : 'Select a weight.'
      }
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
        height={300 + LEGEND_ROW * rangeRows}
        pending={entry?.status === 'loading'}
        emptyText={entry?.status === 'loading' ? 'Computing…' : 'No ranges to show.'}
      />
      <ZeroedSummary list={list} />
      {name && (list.length > 0 || pending) && (
        <Plot
          testId="plot-channel-errors"
          label={`Error per output channel of ${name} for each variant`}
          data={errorData}
          layout={errorLayout}
          height={260 + LEGEND_ROW * errorRows}
          pending={pending}
          emptyText={pending ? 'Computing…' : 'Quantize to see the error of each channel.'}
        />
      )}
    </Panel>
  );
}
