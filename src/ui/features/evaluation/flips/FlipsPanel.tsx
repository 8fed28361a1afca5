import { useEffect } from 'react';
import type { EvalMode } from '../../../../protocol/eval-dto';
import { EVAL_MODE_LABELS } from '../eval-modes';
import { useShallow } from 'zustand/react/shallow';
import {
  flipsKey,
  selectSamples,
  useAppStore,
  selectVariantLabels,
  variantShortLabel,
} from '../../../../state';
import { selectEvalView } from '../../../../state/actions/evaluate-run';
import { ensureFlips } from '../../../../state/actions/evaluate-views';
import { ErrorNotice } from '../../../components/ErrorNotice';
import { Panel } from '../../../components/Panel';
import { Segmented } from '../../../components/Segmented';
import { formatCount } from '../../../format';
import { FlipCard } from './FlipCard';

/** Samples whose predicted class changed from the float model to the chosen variant. */
export function FlipsPanel() {
  const result = useAppStore((s) => s.evalResult);
  const selection = useAppStore((s) => s.evalSelection);
  const report = result?.report;
  const variantId = selection.variantId ?? report?.variants[0]?.id ?? null;
  const mode: EvalMode = report?.modes.includes(selection.mode)
    ? selection.mode
    : (report?.modes[0] ?? 'exact');
  const entry = useAppStore((s) => (variantId ? s.flips[flipsKey(variantId, mode)] : undefined));
  const variant = useAppStore((s) => (variantId ? s.variants[variantId] : undefined));
  const labels = useAppStore(useShallow(selectVariantLabels));
  const samplesId = useAppStore((s) => {
    const cur = selectSamples(s);
    return result && cur?.id === result.samplesId ? cur.id : null;
  });
  useEffect(() => {
    if (variantId && !entry) void ensureFlips(variantId, mode);
  }, [variantId, mode, entry]);
  if (!report || report.variants.length === 0 || !variantId) return null;
  const reported = report.variants.find((v) => v.id === variantId);
  const name = variant ? variantShortLabel(variant) : (reported?.label ?? variantId);
  const data = entry?.status === 'ready' ? entry.data : null;
  const modes = report.modes.map((m) => ({ value: m, label: EVAL_MODE_LABELS[m] }));
  return (
    <Panel
      title="Changed predictions"
      subtitle={`${
        report.labeled
          ? 'Samples whose top-1 class differs from the float model’s; the ones the variant now gets wrong come first'
          : 'Samples whose top-1 class differs from the float model’s'
      } (${result.samplesLabel}).`}
      id="eval-flips"
      testId="eval-flips"
      status={entry?.status ?? 'loading'}
      actions={
        <>
          <select
            className="select-small"
            aria-label="Variant"
            data-testid="flips-variant"
            value={variantId}
            onChange={(e) => selectEvalView(e.currentTarget.value, mode)}
          >
            {report.variants.map((v) => (
              <option key={v.id} value={v.id}>
                {labels[v.id] ?? v.label}
              </option>
            ))}
          </select>
          {modes.length > 1 && (
            <Segmented
              label="Mode"
              value={mode}
              options={modes}
              onChange={(m) => selectEvalView(variantId, m)}
            />
          )}
        </>
      }
    >
      {entry?.status === 'error' && <ErrorNotice error={entry.error} context="Couldn’t list the changes" />}
      {data && (
        <p className="small flips-summary" data-testid="flips-summary" data-total={data.total}>
          {data.total === 0 ? (
            <>No prediction changed: {name} agrees with the float model on every sample.</>
          ) : (
            <>
              <strong>{formatCount(data.total)}</strong> prediction{data.total === 1 ? '' : 's'} changed
              {data.broken !== null && data.fixed !== null && (
                <>
                  : <span className="delta-down">{formatCount(data.broken)} now wrong</span>,{' '}
                  <span className="delta-up">{formatCount(data.fixed)} now right</span>
                  {data.total - data.broken - data.fixed > 0 &&
                    `, ${formatCount(data.total - data.broken - data.fixed)} wrong either way`}
                </>
              )}
              {data.flips.length < data.total && ` (first ${formatCount(data.flips.length)} shown)`}
            </>
          )}
        </p>
      )}
      {data && data.flips.length > 0 && (
        <ul className="flip-grid" aria-label={`Changed predictions of ${name}`}>
          {data.flips.map((f) => (
            <FlipCard
              key={f.index}
              flip={f}
              classes={report.classes}
              samplesId={samplesId}
              variantName={name}
            />
          ))}
        </ul>
      )}
      {samplesId === null && data && data.flips.length > 0 && (
        <p className="muted small">Load the same sample set again to see the samples’ images.</p>
      )}
    </Panel>
  );
}
