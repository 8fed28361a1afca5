import { decibelText, formatBytes, scientificText } from '../core/format';
import { describeQuantized } from '../core/onnx/inventory';
import { nothingReason as nothingReasonOf } from '../core/pipeline/select';
import type { LayerResult, ModelSummary, RunSummary } from '../protocol/dto';
import { byteAccount, type ByteAccount, type BytePart, type ByteRow } from '../core/report/byte-account';

/** Left-align text columns, right-align numbers. */
export function table(header: string[], rows: string[][], numeric: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function formatInspect(s: ModelSummary): string {
  const opsets = Object.entries(s.opsets)
    .map(([d, v]) => `${d || 'ai.onnx'} ${v}`)
    .join(', ');
  const io = (label: string, list: ModelSummary['inputs']) =>
    list
      .map((v) => `  ${label} ${v.name}: ${v.dtype} [${v.shape.map((d) => d ?? '?').join(', ')}]`)
      .join('\n');
  const ops = Object.entries(s.opCounts)
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `${op}×${n}`)
    .join(' ');
  const weightBytes = s.weights.reduce((a, w) => a + w.bytes, 0);
  const rows = s.weights.map((w) => [
    w.name,
    w.op + (w.via.length ? ` (via ${w.via.join('→')})` : ''),
    `[${w.shape.join('×')}]`,
    w.dtype,
    String(w.elements),
    formatBytes(w.bytes),
    `${((100 * w.bytes) / Math.max(1, s.fileBytes)).toFixed(1)}%`,
  ]);
  return [
    `${s.fileName}  ${formatBytes(s.fileBytes)}  IR ${s.irVersion}  opset ${opsets}  producer ${s.producer || '–'}`,
    io('input ', s.inputs),
    io('output', s.outputs),
    `  ops: ${ops}`,
    `  parameters: ${s.totalParams.toLocaleString('en-US')} in ${formatBytes(s.totalWeightBytes)}`,
    s.externalFiles.length ? `  external data: ${s.externalFiles.join(', ')}` : '',
    s.quantized.length ? `  already quantized: ${describeQuantized(s.quantized)}` : '',
    '',
    `Quantizable weights: ${s.weights.length} (${formatBytes(weightBytes)})`,
    table(['name', 'op', 'shape', 'dtype', 'params', 'bytes', 'of file'], rows, [
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]),
  ]
    .filter((l) => l !== '')
    .join('\n');
}

const how = (l: LayerResult) =>
  `${l.bits === 'fp16' ? 'fp16' : `${l.bits}-bit`} ${l.granularity}${l.blockSize ? ` ${l.blockSize}` : ''}`;

export function formatRun(s: RunSummary, outPath: string): string {
  const rows = s.layers.map((l) => [
    l.name,
    l.op,
    how(l),
    `${l.container}/${l.encoding}`,
    decibelText(l.sqnrDb),
    scientificText(l.mse),
    scientificText(l.maxAbsError),
    `${formatBytes(l.bytesBefore)} → ${formatBytes(l.bytesAfter)}`,
  ]);
  const ratio = s.fileBytesAfter / Math.max(1, s.fileBytesBefore);
  const out = [
    table(['weight', 'op', 'quantized as', 'stored', 'SQNR dB', 'MSE', 'max err', 'size'], rows, [
      false,
      false,
      false,
      false,
      true,
      true,
      true,
      true,
    ]),
    '',
    ...s.layers.flatMap((l) => (l.rounding && l.rounding.requested !== 'rtn' ? [roundingLine(l)] : [])),
    ...s.skipped.map((k) => `kept float: ${k.name} (${k.reason})`),
    ...formatFloatLeft(s.floatLeft),
    `float parameters quantized: ${s.floatParams.quantized.toLocaleString('en-US')} of ${s.floatParams.total.toLocaleString('en-US')} (${((100 * s.floatParams.quantized) / Math.max(1, s.floatParams.total)).toFixed(1)}%)`,
    ...s.notes.map((n) => `note: ${n}`),
    `SQNR overall ${decibelText(s.overallSqnrDb)} dB, worst ${s.worstLayer ?? '–'} ${decibelText(s.minSqnrDb)} dB`,
    `wrote ${outPath}: ${formatBytes(s.fileBytesBefore)} → ${formatBytes(s.fileBytesAfter)} (${(100 * ratio).toFixed(1)}% of the original, opset ${s.opset})`,
    ...bytesLines(byteAccount(s)),
  ];
  return out.join('\n');
}

/** Where the file's bytes went: what quantization changed, what it left as it was, and a note when that dominates. */
function bytesLines(a: ByteAccount): string[] {
  const r = Object.fromEntries(a.rows.map((x) => [x.part, x])) as Record<BytePart, ByteRow>;
  const b = formatBytes;
  return [
    `bytes: quantized weights ${b(r.quantized.before)} → ${b(r.quantized.after)} levels + ${b(r.scales.after)} scales + ` +
      `${b(r.zeroPoints.after)} zero points; as they were: weights left float ${b(r.leftFloat.after)}, other float ` +
      `constants ${b(r.otherFloat.after)}; graph and the rest ${b(r.rest.before)} → ${b(r.rest.after)}`,
    ...[a.note, a.containerNote].filter((n) => n !== null).map((n) => `note: ${n}`),
  ];
}

/** Large float constants one per line; small ones (biases, norms, scalars) counted by reason. `--json` has all. */
function formatFloatLeft(list: RunSummary['floatLeft']): string[] {
  const BIG = 1024;
  const lines = list
    .filter((c) => c.elements >= BIG)
    .map((c) => `kept float: ${c.name} [${c.elements} values] (${c.reason})`);
  const small = new Map<string, { n: number; values: number }>();
  for (const c of list.filter((x) => x.elements < BIG)) {
    const e = small.get(c.reason) ?? { n: 0, values: 0 };
    small.set(c.reason, { n: e.n + 1, values: e.values + c.elements });
  }
  for (const [reason, { n, values }] of small)
    lines.push(`kept float: ${n} small constant${n === 1 ? '' : 's'} (${values} values): ${reason}`);
  return lines;
}

/** Why a run quantized nothing (the sentence the studio shows too: core/pipeline/select). */
export const nothingReason = (model: ModelSummary, run: RunSummary): string =>
  nothingReasonOf(describeQuantized(model.quantized), run.skipped);

/** Data-aware rounding per layer: the method used, its output error on the calibration data against RTN's. */
function roundingLine(l: LayerResult): string {
  const r = l.rounding!;
  const err =
    r.error !== null && r.rtnError !== null
      ? `, output error ‖(W−Ŵ)X‖² ${scientificText(r.error)} vs RTN ${scientificText(r.rtnError)}`
      : '';
  const notes = r.notes.length ? ` — ${r.notes.join('; ')}` : '';
  return `rounding: ${l.name}: ${r.used}${r.used !== r.requested ? ` (asked ${r.requested})` : ''}${err}, ${(r.ms / 1000).toFixed(2)} s${notes}`;
}
