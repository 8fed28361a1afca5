import { Fragment } from 'react';
import { byteAccount, type ByteAccount } from '../../../core/report/byte-account';
import { resultOf, variantLabel, variantLabelParts, type Variant } from '../../../state';
import { useVariantColor } from '../../components/variant-colors';
import { formatBytes, formatCount } from '../../format';

/** An account's parts, then its whole file: the rows of the table, each column summing to its last row. */
const tableRows = (a: ByteAccount) => [
  ...a.rows,
  { part: 'file', label: 'File', before: a.fileBytesBefore, after: a.fileBytesAfter },
];

/** A variant's column: its colour, bits, and settings on a second line (the Variants table's two columns). */
function VariantHead({ v }: { v: Variant }) {
  const color = useVariantColor(v.id);
  const { bits, settings } = variantLabelParts(v);
  return (
    <th scope="col" className="num" data-variant={v.id} title={variantLabel(v)}>
      <span className="dot" style={{ background: color }} aria-hidden="true" />
      {bits}
      <span className="byte-account-settings">
        {/* Wraps between settings, never inside one ("per-channel" whole). */}
        {settings.split(' · ').map((part, i) => (
          <Fragment key={part}>
            {i > 0 && ' · '}
            <span className="nowrap">{part}</span>
          </Fragment>
        ))}
      </span>
    </th>
  );
}

/**
 * "Why didn't my file shrink?": the original file and each variant's, split into the weights quantized (levels,
 * scales, zero points) and what quantization leaves as it was. Each column sums to its file's exact size.
 */
export function ByteAccountTable({ variants }: { variants: Variant[] }) {
  const accounts = variants.flatMap((v) => {
    const r = resultOf(v);
    if (!r) return [];
    const a = byteAccount(r);
    return [{ v, a, rows: tableRows(a) }];
  });
  if (!accounts.length) return null;
  const original = accounts[0];
  // Variants that quantize different layers split the original differently: then each gets its own "before" column.
  const oneOriginal = accounts.every(({ rows }) =>
    rows.every((r, i) => r.before === original.rows[i].before),
  );
  // Each variant's note, named when there are several (they can differ: one may leave a large layer float).
  const notes = accounts.flatMap(({ v, a }) =>
    [a.note, a.containerNote]
      .filter((n): n is string => n !== null)
      .map((n) => (accounts.length > 1 ? `${variantLabel(v)}: ${n}` : n)),
  );
  const cell = (n: number) => (
    <td className="num" title={`${formatCount(n)} bytes`} data-bytes={n}>
      {n === 0 ? <span className="muted">–</span> : formatBytes(n)}
    </td>
  );
  return (
    <>
      {/* The note is what the table would tell the reader who never opens it: shown closed too. */}
      {notes.map((n) => (
        <p key={n} className="muted small" data-testid="byte-account-note">
          {n}
        </p>
      ))}
      <details className="byte-account small" data-testid="byte-account">
        <summary>Where the bytes go</summary>
        <div className="table-scroll">
          <table className="table table-compact">
            <thead>
              <tr>
                <th scope="col">Part</th>
                {oneOriginal && (
                  <th scope="col" className="num">
                    Original
                  </th>
                )}
                {accounts.map(({ v }) => (
                  <Fragment key={v.id}>
                    {!oneOriginal && (
                      <th
                        scope="col"
                        className="num"
                        title={`The original file as ${variantLabel(v)} splits it`}
                      >
                        Original
                      </th>
                    )}
                    <VariantHead v={v} />
                  </Fragment>
                ))}
              </tr>
            </thead>
            <tbody>
              {original.rows.map((row, i) => (
                <tr key={row.part} data-part={row.part}>
                  <th scope="row">{row.label}</th>
                  {oneOriginal && cell(row.before)}
                  {accounts.map(({ v, rows }) => (
                    <Fragment key={v.id}>
                      {!oneOriginal && cell(rows[i].before)}
                      {cell(rows[i].after)}
                    </Fragment>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}
