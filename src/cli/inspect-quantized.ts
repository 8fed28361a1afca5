// `inspect` on an already-quantized model: each integer weight's dequantized values as a histogram (--json) and a
// range (text), read as the op that consumes them computes them.
import { sharedHistogram } from '../core/metrics/histogram';
import {
  listQuantizedWeights,
  readDequantized,
  type QuantizedWeightInfo,
} from '../core/onnx/quantized-weights';
import type { OnnxModel } from '../core/onnx/types';
import { table } from './format';

export interface QuantizedWeightReport extends QuantizedWeightInfo {
  /** Histogram of the dequantized values (`unit: level`: of q − zero point); null when `unsupported`. */
  histogram: { min: number; max: number; edges: number[]; counts: number[] } | null;
}

export async function quantizedWeightReports(model: OnnxModel, bins = 32): Promise<QuantizedWeightReport[]> {
  const out: QuantizedWeightReport[] = [];
  for (const w of listQuantizedWeights(model)) {
    if (w.unsupported) {
      out.push({ ...w, histogram: null });
      continue;
    }
    const h = sharedHistogram(await readDequantized(model, w), null, bins);
    out.push({
      ...w,
      histogram: { min: h.min, max: h.max, edges: Array.from(h.edges), counts: Array.from(h.float) },
    });
  }
  return out;
}

const g4 = (x: number) => Number(x.toPrecision(4)).toString();

export function formatQuantizedWeights(list: QuantizedWeightReport[]): string {
  if (!list.length) return '';
  const rows = list.map((w) => [
    w.name + (w.scope ? ` (in ${w.scope})` : ''),
    w.op,
    `${w.dtype} ${w.granularity}`,
    `[${w.shape.join('×')}]`,
    String(w.elements),
    w.histogram
      ? `${w.unit === 'level' ? 'levels ' : ''}[${g4(w.histogram.min)}, ${g4(w.histogram.max)}]`
      : `– (${w.unsupported})`,
  ]);
  return [
    '',
    `Already-quantized weights: ${list.length} (not quantized again; values as their op dequantizes them)`,
    table(['name', 'op', 'stored', 'shape', 'params', 'dequantized range'], rows, [
      false,
      false,
      false,
      false,
      true,
      false,
    ]),
  ].join('\n');
}
