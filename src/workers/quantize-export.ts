// A run's download: the exported .onnx (read back and checked once before it is offered) and, for a two-file
// export, its data file, each a Blob of parts (tensor buffers, slices of the source file), never one joined buffer.
import { parseModelBlob } from '../core/onnx';
import { toExternalData, type DataPart } from '../core/export/external-data';
import { serializeParts } from '../core/export/stream';
import { validateExportedFile } from '../core/export/validate';
import { mustGetRun, type Run } from './quantize-models';

const blobOf = (parts: readonly DataPart[]): Blob =>
  new Blob(
    parts.map((p): BlobPart =>
      p.kind === 'bytes'
        ? (p.bytes as Uint8Array<ArrayBuffer>)
        : p.kind === 'zeros'
          ? new Uint8Array(p.length)
          : (p.blob as Blob).slice(p.start, p.end),
    ),
    { type: 'application/octet-stream' },
  );

/**
 * A one-file run as model.onnx + model.onnx_data: its own output read back lazily (tensors stay slices of it) and
 * moved to external data as the pipeline does with `externalData: 'always'`.
 */
async function splitRun(run: Run, runId: string) {
  const model = await parseModelBlob(blobOf(run.file.parts), `variant ${runId}`);
  const { proto, data } = await toExternalData(model.proto, model, run.dataLocation);
  return { file: await serializeParts(proto), data };
}

function splitOf(run: Run, runId: string) {
  run.split ??= splitRun(run, runId);
  run.split.catch(() => (run.split = undefined));
  return run.split;
}

export const exportApi = {
  /**
   * The exported .onnx of a run as a Blob of its parts (never one concatenated buffer here). Same bytes the CLI
   * writes for the same config; `externalData` asks for the two-file form (`--external-data`) of a one-file run.
   */
  async exportModel(runId: string, externalData = false): Promise<Blob> {
    const run = mustGetRun(runId);
    if (run.externalData) return blobOf(run.file.parts);
    if (externalData) return blobOf((await splitOf(run, runId)).file.parts);
    const blob = blobOf(run.file.parts);
    // Read our own output back before it is offered: a broken file is an error on screen, never a download.
    // (A two-file export is checked by its writer; reading it back would need the data file as a sidecar.)
    if (!run.validated) await validateExportedFile(blob, `variant ${runId}`);
    run.validated = true;
    return blob;
  },

  /**
   * A run's external data file (`<download name>_data`), or null when the model is one file (and the two-file form
   * was not asked for). A Blob of the tensors' buffers and slices of the source files, never one concatenated buffer.
   */
  async exportDataFile(runId: string, externalData = false): Promise<{ name: string; blob: Blob } | null> {
    const run = mustGetRun(runId);
    const data = run.externalData ?? (externalData ? (await splitOf(run, runId)).data : null);
    if (!data) return null;
    return { name: data.location, blob: blobOf(data.parts) };
  },
};
