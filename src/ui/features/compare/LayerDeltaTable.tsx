import { useState } from 'react';
import { layerDeltas, type LayerSide } from '../../../core/report/layer-deltas';
import { bitsLabel, resultOf, useAppStore, type Variant } from '../../../state';
import { selectWeight } from '../../../state/actions/ui';
import { LayerName } from '../../components/LayerName';
import { decibelText, formatBytes } from '../../format';

/** Rows shown before "Show all": the layers where B loses most are what the table is for. */
export const DELTA_ROWS = 8;

const sideText = (s: LayerSide) =>
  s.bits === 'float' ? 'float' : `${bitsLabel(s.bits)} · ${decibelText(s.sqnrDb)} dB`;

const deltaText = (d: number) => `${d > 0 ? '+' : ''}${decibelText(d)} dB`;
const deltaClass = (d: number) => (d < 0 ? 'delta-down' : d > 0 ? 'delta-up' : 'delta-zero');

/**
 * Side by side, layer by layer: each layer's weight SQNR in A and in B and B − A, where B loses most first. A layer's
 * name is a button that shows it in the histograms above.
 */
export function LayerDeltaTable({ a, b }: { a: Variant; b: Variant }) {
  const [all, setAll] = useState(false);
  const selected = useAppStore((s) => s.selectedWeight);
  const ra = resultOf(a);
  const rb = resultOf(b);
  if (!ra || !rb || a.id === b.id) return null;
  const rows = layerDeltas(ra, rb);
  const shown = all ? rows : rows.slice(0, DELTA_ROWS);
  return (
    <div className="layer-deltas" data-testid="layer-deltas">
      <h3 className="field-label">Layer by layer: weight SQNR of B against A, largest loss first</h3>
      <div className="table-scroll">
        <table className="table table-compact">
          <thead>
            <tr>
              <th scope="col">Layer</th>
              <th scope="col" className="num">
                A
              </th>
              <th scope="col" className="num">
                B
              </th>
              <th
                scope="col"
                className="num"
                title="B's weight SQNR minus A's, in dB: negative where B rounds worse"
              >
                B − A
              </th>
              <th scope="col" className="num">
                Size A → B
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr
                key={r.name}
                data-layer={r.name}
                data-delta={r.deltaDb}
                className={r.name === selected ? 'is-selected' : undefined}
              >
                <td>
                  <button
                    type="button"
                    className="layer-pick"
                    title={`Show ${r.name} in the histograms`}
                    onClick={() => selectWeight(r.name)}
                  >
                    <LayerName name={r.name} />
                  </button>
                </td>
                <td className="num" title={r.a.reason}>
                  {sideText(r.a)}
                </td>
                <td className="num" title={r.b.reason}>
                  {sideText(r.b)}
                </td>
                <td className={`num ${deltaClass(r.deltaDb)}`}>{deltaText(r.deltaDb)}</td>
                <td className="num">
                  {formatBytes(r.a.bytes)} → {formatBytes(r.b.bytes)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > DELTA_ROWS && (
        <button type="button" className="btn btn-small" onClick={() => setAll(!all)}>
          {all ? `Show the first ${DELTA_ROWS}` : `Show all ${rows.length} layers`}
        </button>
      )}
    </div>
  );
}
