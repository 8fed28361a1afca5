// "Why didn't my file shrink?": a run's file before and after, split into what quantization changes (the weights it
// quantized, now levels + scales + zero points) and what it leaves as it was (weights left float, other float
// constants, the graph and everything else). Each side sums to its file's exact size.
import { formatBytes } from '../format';
import type { RunSummary } from '../pipeline/types';

export type BytePart = 'quantized' | 'scales' | 'zeroPoints' | 'leftFloat' | 'otherFloat' | 'rest';

export interface ByteRow {
  part: BytePart;
  label: string;
  before: number;
  after: number;
}

export interface ByteAccount {
  rows: ByteRow[];
  fileBytesBefore: number;
  fileBytesAfter: number;
  /** Share of the original file that the quantized weights were (0..1): what quantization can shrink at all. */
  quantizedShare: number;
  /** Set when most of the file is not weights this run quantized: what holds the bytes instead. */
  note: string | null;
  /** Set when levels are stored in a wider type than their bits (3-bit in int4: ONNX has no 3-bit type). */
  containerNote: string | null;
}

const BYTE_LABELS: Record<BytePart, string> = {
  quantized: 'Quantized weights (float → levels)',
  scales: 'Scales',
  zeroPoints: 'Zero points',
  leftFloat: 'Weights left float',
  otherFloat: 'Other float constants (biases, norms, …)',
  rest: 'Graph, other tensors, protobuf framing',
};

/** A note is given when the weights this run quantized were under this share of the original file. */
export const NOTE_BELOW_SHARE = 0.75;

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((a, x) => a + f(x), 0);

export function byteAccount(s: RunSummary): ByteAccount {
  const quantizedBefore = sum(s.layers, (l) => l.bytesBefore);
  const leftFloat = sum(s.skipped, (x) => x.bytes);
  const otherFloat = sum(s.floatLeft, (x) => x.bytes);
  const after = {
    quantized: sum(s.layers, (l) => l.stored.levels),
    scales: sum(s.layers, (l) => l.stored.scales),
    zeroPoints: sum(s.layers, (l) => l.stored.zeroPoints),
  };
  const row = (part: BytePart, before: number, afterBytes: number): ByteRow => ({
    part,
    label: BYTE_LABELS[part],
    before,
    after: afterBytes,
  });
  const restBefore = s.fileBytesBefore - quantizedBefore - leftFloat - otherFloat;
  const restAfter =
    s.fileBytesAfter - after.quantized - after.scales - after.zeroPoints - leftFloat - otherFloat;
  const rows = [
    row('quantized', quantizedBefore, after.quantized),
    row('scales', 0, after.scales),
    row('zeroPoints', 0, after.zeroPoints),
    row('leftFloat', leftFloat, leftFloat),
    row('otherFloat', otherFloat, otherFloat),
    row('rest', restBefore, restAfter),
  ];
  const quantizedShare = s.fileBytesBefore > 0 ? quantizedBefore / s.fileBytesBefore : 0;
  const untouched = rows.filter(
    (r) => r.part === 'leftFloat' || r.part === 'otherFloat' || r.part === 'rest',
  );
  const largest = untouched.reduce((a, r) => (r.before > a.before ? r : a));
  const note =
    quantizedShare < NOTE_BELOW_SHARE && s.fileBytesBefore > 0
      ? `The weights this run quantized were ${percent(quantizedShare)} of the original file: the other ` +
        `${formatBytes(s.fileBytesBefore - quantizedBefore)} stay as they were, most of it ${largest.label.toLowerCase()} ` +
        `(${formatBytes(largest.before)})${largest.part === 'leftFloat' ? ': see each one’s reason' : ''}.`
      : null;
  return {
    rows,
    fileBytesBefore: s.fileBytesBefore,
    fileBytesAfter: s.fileBytesAfter,
    quantizedShare,
    note,
    containerNote: containerNote(s),
  };
}

/** "3-bit levels are stored as int4 …" for each width stored in a wider integer type, or null. */
function containerNote(s: RunSummary): string | null {
  const wider = new Map<number, string>();
  for (const l of s.layers) {
    const m = /^u?int(\d+)$/.exec(l.container);
    if (typeof l.bits === 'number' && m && Number(m[1]) > l.bits) wider.set(l.bits, l.container);
  }
  if (!wider.size) return null;
  const pairs = [...wider].sort((a, b) => a[0] - b[0]).map(([bits, c]) => `${bits}-bit levels as ${c}`);
  return `Stored ${pairs.join(', ')}: ONNX has no narrower integer type here, so these weights take the bytes of the stored type.`;
}

const percent = (x: number) => `${(100 * x).toFixed(x < 0.1 ? 1 : 0)} %`;
