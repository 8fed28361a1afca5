// What `qstudio quantize` leaves once the quantization ran: the run notes (budget mix, calibration capture), the
// model (+ its data file) and the recipe on disk, and the summary on stdout. When nothing was quantized it writes no
// file and says why. Imported by main.ts when a quantize run finishes (not at start-up).
import { writeFile } from 'node:fs/promises';
import type { Assignment } from '../core/mixed/plan';
import { summarizeModel } from '../core/onnx';
import type { OnnxModel } from '../core/onnx/types';
import type { CalibrationResult } from '../core/pipeline/calibrate';
import type { RunResult } from '../core/pipeline/write';
import { toRecipe } from '../core/quant/config';
import { writeExport, type SpillFile } from './write-export';
import { formatRun, nothingReason } from './format';
import { budgetNote } from './ranges';
import { jsonNumbers } from '../core/report/json';

export interface QuantizeTargets {
  /** The input model's path, named when nothing was quantized. */
  modelPath: string;
  /** -o: the quantized model (its data file goes next to it). */
  output: string;
  /** --save-recipe. */
  saveRecipe?: string;
  /** --json: the summary as JSON instead of text. */
  json?: boolean;
}

/** How the run was made, for its notes: the budget's assignment and the calibration capture, when there were any. */
export interface QuantizeNotes {
  assignment?: Assignment;
  calibration?: CalibrationResult | null;
}

/** Writes the run's files and prints its summary; returns the exit code (1: nothing to quantize, nothing written). */
export async function writeQuantizeOutputs(
  model: OnnxModel,
  { summary, file, externalData }: Pick<RunResult, 'summary' | 'file' | 'externalData'>,
  { assignment, calibration: cal }: QuantizeNotes,
  to: QuantizeTargets,
  spill: SpillFile | null,
): Promise<number> {
  if (assignment) summary.notes.push(budgetNote(assignment));
  if (cal) {
    const { captureLine } = await import('../core/pipeline/calibrate');
    summary.notes.unshift(...cal.notes, captureLine(cal.stats));
  }
  if (summary.layers.length === 0) {
    // Never a silent copy: say why nothing was quantized and write nothing.
    console.error(
      `qstudio: nothing to quantize in ${to.modelPath}: ${nothingReason(summarizeModel(model), summary)}`,
    );
    if (to.json) console.log(JSON.stringify(summary, jsonNumbers, 2));
    return 1;
  }
  await writeExport(to.output, file, externalData, spill);
  if (to.saveRecipe) await writeFile(to.saveRecipe, JSON.stringify(toRecipe(summary.config), null, 2) + '\n');
  console.log(to.json ? JSON.stringify(summary, jsonNumbers, 2) : formatRun(summary, to.output));
  return 0;
}
