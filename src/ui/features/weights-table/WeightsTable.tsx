import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { selectSummary, useAppStore, type AppState, type WeightSortKey } from '../../../state';
import { clearLayerOverrides } from '../../../state/actions/config';
import { setWeightsFilter, sortWeightsBy } from '../../../state/actions/ui';
import { Panel } from '../../components/Panel';
import { formatCount } from '../../format';
import { isIncluded } from '../../../core/pipeline/select';
import { WeightRow } from './WeightRow';
import { filterAndSort } from './weights-sort';

/** Rows rendered at most; a filter narrows big models down. */
const MAX_ROWS = 400;

const selectTable = (s: AppState) => ({
  summary: selectSummary(s),
  filter: s.weightsFilter,
  sort: s.weightsSort,
  layers: s.config.layers,
  includeGather: s.config.includeGather,
  selected: s.selectedWeight,
});

const COLUMNS: { key: WeightSortKey | null; label: string; className?: string }[] = [
  { key: 'name', label: 'Weight' },
  { key: 'op', label: 'Op' },
  { key: null, label: 'Shape' },
  { key: 'elements', label: 'Params', className: 'num' },
  { key: 'bytes', label: 'Bytes', className: 'num' },
  { key: 'bytes', label: 'Share', className: 'num' },
];

/** Layer settings: one column each, so a row is one line ("variant": the variant's own / the global setting). */
const SETTINGS = [
  { label: 'Bits', title: "This layer's bit width (variant: each variant's own)" },
  { label: 'Clip', title: "This layer's clip range (variant: the global setting)" },
  { label: 'Rounding', title: "This layer's rounding method (variant: the global setting)" },
];

export function WeightsTable() {
  const { summary, filter, sort, layers, includeGather, selected } = useAppStore(useShallow(selectTable));
  const rows = useMemo(
    () => (summary ? filterAndSort(summary.weights, filter, sort) : []),
    [summary, filter, sort],
  );
  if (!summary) return null;
  const overrides = Object.keys(layers).length;
  const excluded = Object.values(layers).filter((o) => o.skip).length;
  return (
    <Panel
      title="Weights"
      subtitle={`${formatCount(summary.weights.length)} quantizable weights · click a row to plot it${
        overrides
          ? ` · ${overrides} override${overrides > 1 ? 's' : ''}${excluded ? ` (${excluded} kept in float)` : ''}`
          : ''
      }`}
      id="weights"
      testId="weights-table"
      actions={
        <>
          {overrides > 0 && (
            <button type="button" className="btn btn-small btn-ghost" onClick={clearLayerOverrides}>
              Reset overrides
            </button>
          )}
          <input
            type="search"
            className="input-small"
            placeholder="Filter by name or op"
            aria-label="Filter weights"
            value={filter}
            onChange={(e) => setWeightsFilter(e.currentTarget.value)}
          />
        </>
      }
    >
      <div className="table-scroll weights-scroll">
        <table className="table">
          <thead>
            <tr>
              <th scope="col" className="cell-check">
                <span className="visually-hidden">Include</span>
              </th>
              {COLUMNS.map((c) => (
                <th
                  key={c.label}
                  scope="col"
                  className={c.className}
                  aria-sort={
                    c.key && sort.key === c.key && c.label !== 'Share'
                      ? sort.dir === 'asc'
                        ? 'ascending'
                        : 'descending'
                      : undefined
                  }
                >
                  {c.key ? (
                    <button
                      type="button"
                      className="th-sort"
                      onClick={() => sortWeightsBy(c.key as WeightSortKey)}
                    >
                      {c.label}
                      {sort.key === c.key && c.label !== 'Share' && (
                        <span aria-hidden="true">{sort.dir === 'asc' ? ' ▲' : ' ▼'}</span>
                      )}
                    </button>
                  ) : (
                    c.label
                  )}
                </th>
              ))}
              {SETTINGS.map((c) => (
                <th key={c.label} scope="col" className="cell-setting" title={c.title}>
                  {c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, MAX_ROWS).map((w) => (
              <WeightRow
                key={w.name}
                weight={w}
                override={layers[w.name]}
                included={isIncluded({ layers, includeGather }, w)}
                selected={w.name === selected}
                fileBytes={summary.fileBytes}
              />
            ))}
          </tbody>
        </table>
        {rows.length === 0 && <p className="empty">No weight matches “{filter}”.</p>}
        {rows.length > MAX_ROWS && (
          <p className="empty">
            Showing {MAX_ROWS} of {formatCount(rows.length)} weights. Filter to find others.
          </p>
        )}
      </div>
    </Panel>
  );
}
