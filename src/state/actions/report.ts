// The session's report downloads (core/report): every variant's run summary, the last evaluation and measured
// sensitivity as JSON, and every layer of every variant as CSV.
import { layersCsv, reportJson, studioReport, type StudioReport } from '../../core/report/studio-report';
import { getState } from '../store';
import { resultOf, selectLoaded } from '../selectors';
import type { AppState } from '../slices';
import { downloadFileName, variantLabel } from '../variant-key';
import { saveBlob } from './download';

/** The open model's report, or null with no model or no quantized variant yet. */
export function sessionReport(s: AppState, created = new Date()): StudioReport | null {
  const loaded = selectLoaded(s);
  if (!loaded) return null;
  const { summary } = loaded;
  const variants = s.variantOrder.flatMap((id) => {
    const v = s.variants[id];
    const r = resultOf(v);
    return r
      ? [
          {
            id,
            name: variantLabel(v),
            fileName: downloadFileName(summary.fileName, v.config),
            summary: r,
            runId: r.runId,
          },
        ]
      : [];
  });
  if (!variants.length) return null;
  const ev = s.evalResult?.modelId === loaded.id ? s.evalResult : null;
  return studioReport({
    created,
    model: {
      fileName: summary.fileName,
      fileBytes: summary.fileBytes,
      parameters: summary.totalParams,
      weights: summary.weights.length,
    },
    variants,
    evaluation: ev && {
      report: ev.report,
      samplesName: ev.samplesName,
      samplesLabel: ev.samplesLabel,
      runIds: ev.runIds,
    },
    sensitivity: s.sensitivityReports
      .filter((r) => r.modelId === loaded.id)
      .map(({ source, samplesName, samples, report }) => ({ source, samplesName, samples, report })),
  });
}

/** `model.report.json` (kind 'json') or `model.layers.csv` (kind 'csv') of the open model, if it has a variant. */
export function downloadReport(kind: 'json' | 'csv'): void {
  const s = getState();
  const report = sessionReport(s);
  if (!report) return;
  const base = report.model.fileName.replace(/\.onnx$/i, '');
  if (kind === 'json')
    saveBlob(new Blob([reportJson(report)], { type: 'application/json' }), `${base}.report.json`);
  else saveBlob(new Blob([layersCsv(report)], { type: 'text/csv' }), `${base}.layers.csv`);
}
