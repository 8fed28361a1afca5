import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { StudioError } from '../core/errors';
import { listExternalLocations, openModel, parseModel } from '../core/onnx';
import { foldWeightInputs } from '../core/onnx/fold';
import type { NamedBlob, OnnxModel } from '../core/onnx/types';

/** Open a model from disk; external data files are looked up next to it (lazily, as Blobs). */
export async function openModelFile(path: string): Promise<OnnxModel> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    throw new StudioError(
      'OnnxParseError',
      `cannot read ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
    );
  });
  if (!info.isFile()) throw new StudioError('OnnxParseError', `${path} is not a file`);
  const file: NamedBlob = { name: basename(path), blob: await openAsBlob(path) };
  // Parse once without sidecars to learn which external files the model names, then open with them.
  const bytes = new Uint8Array(await file.blob.slice().arrayBuffer());
  const locations = listExternalLocations(
    parseModel(bytes, file.name, new Map(), { checkExternal: false }).proto,
  );
  const sidecars: NamedBlob[] = [];
  for (const loc of locations) {
    const p = join(dirname(path), loc);
    const s = await stat(p).catch(() => null);
    if (s?.isFile()) sidecars.push({ name: loc, blob: await openAsBlob(p) });
  }
  // Weights computed from constants (Slice/Concat gate reordering of exported LSTMs) become plain initializers.
  return (await foldWeightInputs(await openModel(file, sidecars))).model;
}
