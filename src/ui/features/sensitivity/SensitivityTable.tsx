import type { SensitivityReport } from '../../../protocol/eval-dto';
import { useAppStore } from '../../../state';
import type { Bits } from '../../../core/quant/config';
import { giveLayerBits, keepLayerFloat, LAYER_WIDTHS } from '../../../state/actions/sensitivity';
import { setLayerIncluded } from '../../../state/actions/config';
import { selectWeight } from '../../../state/actions/ui';
import { decibelText, scientificText } from '../../format';

const widthLabel = (b: Bits) => (b === 'fp16' ? 'fp16' : `${b}-bit`);

/** The layer's width in every variant: its own override, or each variant's (''); float is the "Keep float" tick. */
function WidthSelect({
  name,
  names,
  bits,
  float,
}: {
  name: string;
  names: string[];
  bits: Bits | undefined;
  float: boolean;
}) {
  return (
    <select
      className="select-small"
      aria-label={`Bits for ${name}`}
      title="Give this layer its own width in every variant"
      value={float ? 'float' : (bits ?? '')}
      onChange={(e) => {
        const v = e.currentTarget.value;
        for (const n of names) {
          if (v === 'float') keepLayerFloat(n);
          else giveLayerBits(n, v === '' ? null : v === 'fp16' ? 'fp16' : (Number(v) as Bits));
        }
      }}
    >
      <option value="">variant’s bits</option>
      {[...LAYER_WIDTHS, ...(bits && !LAYER_WIDTHS.includes(bits) ? [bits] : [])].map((b) => (
        <option key={b} value={b}>
          {widthLabel(b)}
        </option>
      ))}
      <option value="float">float</option>
    </select>
  );
}

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)} %`);

/** The ranking as numbers, with what to do about each layer (per-layer overrides, as in the weights table). */
export function SensitivityTable({ report: r }: { report: SensitivityReport }) {
  const layers = useAppStore((s) => s.config.layers);
  return (
    <div className="table-scroll">
      <table className="table table-compact sensitivity-table" data-testid="sensitivity-table">
        <thead>
          <tr>
            <th className="num">#</th>
            <th>layer</th>
            <th className="num">{r.metric === 'kl' ? 'KL (nats)' : 'output noise/signal'}</th>
            <th className="num">top-1 agrees</th>
            {r.labeled && <th className="num">Δ top-1</th>}
            <th className="num">output SQNR dB</th>
            <th className="num">weight SQNR dB</th>
            <th className="num">proxy #</th>
            <th>action</th>
          </tr>
        </thead>
        <tbody>
          {r.layers.map((l) => {
            // A block's row acts on every layer of the block (set per layer, as in the weights table).
            const names = l.members ?? [l.name];
            const o = layers[names[0]];
            const float = names.every((n) => layers[n]?.skip === true);
            return (
              <tr key={l.name} data-testid="sensitivity-row" data-layer={l.name} data-rank={l.rank}>
                <td className="num">{l.rank}</td>
                <td className="cell-name">
                  <button
                    type="button"
                    className="link"
                    onClick={() => selectWeight(names[0])}
                    title={l.members ? `${l.name}: ${l.members.join(', ')}` : l.name}
                  >
                    {l.name}
                  </button>
                </td>
                <td className="num">{scientificText(l.score)}</td>
                <td className="num">{pct(l.top1Agreement)}</td>
                {r.labeled && (
                  <td className="num">
                    {l.top1Delta === null
                      ? '–'
                      : `${l.top1Delta >= 0 ? '+' : ''}${(100 * l.top1Delta).toFixed(1)} pt`}
                  </td>
                )}
                <td className="num">{decibelText(l.outputSqnrDb)}</td>
                <td className="num">{decibelText(l.weightSqnrDb)}</td>
                <td className="num">{l.proxyRank}</td>
                <td>
                  <div className="layer-settings">
                    <button
                      type="button"
                      className="btn btn-small"
                      aria-pressed={float}
                      aria-label={float ? `Quantize ${l.name} again` : `Keep ${l.name} float`}
                      onClick={() =>
                        names.forEach((n) => (float ? setLayerIncluded(n, true) : keepLayerFloat(n)))
                      }
                    >
                      {float ? 'kept float ✓' : 'Keep float'}
                    </button>
                    <WidthSelect name={l.name} names={names} bits={o?.bits} float={float} />
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
