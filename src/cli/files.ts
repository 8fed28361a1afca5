import { openAsBlob } from 'node:fs';
import { open, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StudioError } from '../core/errors';
import { listExternalLocations, parseModel, resolveExternalFiles } from '../core/onnx';
import type { BlobLike, OnnxModel } from '../core/onnx/types';
import { partBytes, type ExternalData } from '../core/export/external-data';
import { foldWeightInputs } from '../core/onnx/fold';

/** Open a model from disk; external data files are looked up next to it (lazily, as Blobs). */
export async function openModelFile(path: string): Promise<OnnxModel> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new StudioError(
      'OnnxParseError',
      `cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
    );
  });
  if (!info.isFile()) throw new StudioError('OnnxParseError', `${path} is not a file`);
  // One read and one parse: parse without sidecars to learn which external files the model names, then resolve
  // them next to it (reading the file twice held two copies of a large model at once).
  const bytes = new Uint8Array(await readFile(path)); // a view: one copy of the file in memory
  const model = parseModel(bytes, basename(path), new Map(), { checkExternal: false });
  const sidecars = new Map<string, BlobLike>();
  for (const loc of listExternalLocations(model.proto)) {
    const p = join(dirname(path), loc);
    const s = await stat(p).catch(() => null);
    if (s?.isFile()) sidecars.set(loc, await openAsBlob(p));
  }
  // Weights computed from constants (Slice/Concat gate reordering of exported LSTMs) become plain initializers.
  return (await foldWeightInputs({ ...model, externalFiles: resolveExternalFiles(model.proto, sidecars) }))
    .model;
}

/** `model.onnx` → `model.onnx_data`: the data file's name for external-data output (kept next to the model). */
export const dataFileName = (outPath: string): string => `${basename(outPath)}_data`;

/**
 * Write the exported model, and with external-data output its data file next to it, tensor by tensor through one
 * file handle (a part from the source's external files is read slice by slice, never the whole output at once).
 */
export async function writeExport(outPath: string, bytes: Uint8Array, data?: ExternalData): Promise<void> {
  if (data) {
    const file = await open(join(dirname(outPath), data.location), 'w');
    try {
      for (const part of data.parts) {
        const chunk = await partBytes(part);
        for (let at = 0; at < chunk.length;) {
          const { bytesWritten } = await file.write(chunk, at, Math.min(chunk.length - at, 2 ** 30));
          at += bytesWritten;
        }
      }
    } finally {
      await file.close();
    }
  }
  await writeFile(outPath, bytes);
}
