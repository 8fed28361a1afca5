// A captured calibration as plain data (typed arrays only), to cross worker boundaries with its buffers transferred.
// Kept apart from calibrate.ts so the page can name its buffers without loading the capture code.
import type { CaptureStats } from '../gptq/capture';

export interface CalibrationData {
  layers: { name: string; hessians: Float64Array[]; means: Float64Array[] | null }[];
  stats: CaptureStats;
  notes: string[];
}

/** The buffers a transfer of `d` moves (the Hessians are most of a calibration's bytes). */
export const calibrationBuffers = (d: CalibrationData): ArrayBuffer[] =>
  d.layers.flatMap((l) => [...l.hessians, ...(l.means ?? [])].map((a) => a.buffer as ArrayBuffer));
