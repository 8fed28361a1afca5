import type { TabularOptions } from '../../../../core/samples';
import { selectEvalBusy, selectSamples, useAppStore } from '../../../../state';
import { setTabularOptions } from '../../../../state/actions/evaluate-samples';

/** CSV tables: which column holds the label, which columns are features, and how string labels map to classes. */
export function TabularOptionsForm() {
  const samples = useAppStore(selectSamples);
  const disabled = useAppStore((s) => selectEvalBusy(s) || s.samples.status === 'loading');
  const table = samples?.info.tabular;
  if (!samples || !table) return null;
  const current: TabularOptions = samples.tabular ?? {};
  const base = (): TabularOptions => ({
    ...current,
    labelColumn: table.labelColumn,
    excludeColumns: table.columns.filter((c) => c !== table.labelColumn && !table.featureColumns.includes(c)),
  });
  const setFeature = (column: string, on: boolean) => {
    const features = on
      ? [...table.featureColumns, column]
      : table.featureColumns.filter((c) => c !== column);
    void setTabularOptions({
      ...base(),
      labelMapping: table.labelMapping.length > 0 ? table.labelMapping : undefined,
      excludeColumns: table.columns.filter((c) => c !== table.labelColumn && !features.includes(c)),
    });
  };
  const setIndex = (name: string, index: number) => {
    if (!Number.isInteger(index) || index < 0) return;
    const mapping = table.labelMapping.map((m) => (m.name === name ? { ...m, index } : m));
    void setTabularOptions({ ...base(), labelMapping: mapping });
  };
  return (
    <div className="tabular-form" data-testid="tabular-options">
      <label className="stack">
        <span className="field-label">Label column</span>
        <select
          className="select-small"
          data-testid="label-column"
          value={table.labelColumn ?? ''}
          disabled={disabled}
          onChange={(e) => {
            const v = e.currentTarget.value;
            void setTabularOptions({ ...current, labelColumn: v === '' ? null : v, labelMapping: undefined });
          }}
        >
          <option value="">(none: fidelity only)</option>
          {table.columns.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="field" disabled={disabled}>
        <legend>Feature columns (in model input order)</legend>
        <div className="column-checks">
          {table.columns
            .filter((c) => c !== table.labelColumn)
            .map((c) => (
              <label key={c} className="column-check">
                <input
                  type="checkbox"
                  checked={table.featureColumns.includes(c)}
                  onChange={(e) => setFeature(c, e.currentTarget.checked)}
                />
                <span>{c}</span>
              </label>
            ))}
        </div>
      </fieldset>
      {table.labelMapping.length > 0 && (
        <fieldset className="field" disabled={disabled}>
          <legend>Label → class index</legend>
          <table className="mapping-table" data-testid="label-mapping">
            <tbody>
              {table.labelMapping.map((m) => (
                <tr key={m.name}>
                  <th scope="row">
                    <code>{m.name}</code>
                  </th>
                  <td>
                    <input
                      key={`${samples.id}:${m.index}`}
                      type="number"
                      min={0}
                      step={1}
                      className="input-num"
                      aria-label={`Class index of ${m.name}`}
                      defaultValue={m.index}
                      onBlur={(e) => {
                        const v = Number(e.currentTarget.value);
                        if (v !== m.index) setIndex(m.name, v);
                      }}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') e.currentTarget.blur();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
      )}
    </div>
  );
}
