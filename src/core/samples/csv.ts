// Minimal RFC 4180 CSV: quoted fields ("" escapes a quote, newlines allowed inside quotes), CRLF/LF/CR,
// a UTF-8 BOM, blank lines skipped. Comma by default; ';' or tab when the first line clearly uses them.
import { sampleSetError } from './paths';

export function parseCsv(text: string, fileName: string, delimiter?: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const d = delimiter ?? sniffDelimiter(text);
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(field);
    field = '';
    if (!(row.length === 1 && row[0].trim() === '')) rows.push(row);
    row = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === d) {
      row.push(field);
      field = '';
    } else if (c === '\r' || c === '\n') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i++;
    } else field += c;
    i++;
  }
  if (quoted) throw sampleSetError(`${fileName}: unterminated quoted field at the end of the file`);
  if (field !== '' || row.length > 0) endRow();
  return rows.map((r) => r.map((f) => f.trim()));
}

function sniffDelimiter(text: string): string {
  const nl = text.search(/\r|\n/);
  const first = nl < 0 ? text : text.slice(0, nl);
  const count = (ch: string): number => first.split(ch).length - 1;
  if (count(',') > 0) return ',';
  if (count(';') > 0) return ';';
  if (count('\t') > 0) return '\t';
  return ',';
}

export const isNumeric = (s: string): boolean => s !== '' && Number.isFinite(Number(s));

/**
 * True when row 0 is a header: some cell in it is not a number while the same column is numeric in the
 * following rows (a file with no numeric column at all gives no evidence: the caller decides).
 */
export function detectHeader(rows: string[][]): boolean {
  if (rows.length < 2) return rows.length === 1 && rows[0].every((cell) => !isNumeric(cell)); // a lone text row is a header
  const body = rows.slice(1, 51);
  const numericCol = (c: number): boolean => body.every((r) => isNumeric(r[c] ?? ''));
  const first = rows[0];
  if (first.some((cell, c) => !isNumeric(cell) && numericCol(c))) return true;
  return false;
}
