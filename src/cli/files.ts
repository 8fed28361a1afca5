import { openAsBlob } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StudioError } from '../core/errors';
import { externalFileName, listExternalLocations, openModel, parseModel } from '../core/onnx';
import type { NamedBlob, OnnxModel } from '../core/onnx/types';

export interface OpenedModelFile {
  model: OnnxModel;
  /** Real paths of the model file and every external data file it read (the CLI never overwrites these). */
  inputs: string[];
}

/**
 * Open a model from disk; external data files are looked up next to it (lazily, as Blobs). A location must stay
 * inside the model's folder, also after symlinks are followed: nothing outside that folder is ever opened.
 */
export async function openModelFileWithInputs(path: string): Promise<OpenedModelFile> {
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
  const folder = await realpath(dirname(path));
  const inputs = [await realpath(path)];
  const sidecars: NamedBlob[] = [];
  for (const loc of locations) {
    externalFileName(loc); // refuses absolute paths and `..` before anything is looked up
    const p = join(dirname(path), loc);
    const real = await realpath(p).catch(() => null);
    if (real === null) continue; // reported as missing, with every other missing file, by openModel
    if (!real.startsWith(folder + sep)) {
      throw new StudioError(
        'ExternalDataError',
        `external data location '${loc}' leads outside the model's folder (to ${real}); refusing to read it`,
      );
    }
    if ((await stat(real)).isFile()) {
      sidecars.push({ name: loc, blob: await openAsBlob(real) });
      inputs.push(real);
    }
  }
  return { model: await openModel(file, sidecars), inputs };
}

export async function openModelFile(path: string): Promise<OnnxModel> {
  return (await openModelFileWithInputs(path)).model;
}

/** Refuses an output path that is one of the files read (the model or its external data), or two outputs at one path. */
export async function checkOutputPaths(outputs: string[], inputs: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  for (const out of outputs) {
    // realpath follows a symlink or hard-to-see alias (./x, x/../x) to the file that would be overwritten
    const real = await realpath(out).catch(() => resolve(out));
    if (inputs.includes(real)) {
      throw new StudioError(
        'QuantConfigError',
        `refusing to overwrite ${out}: it is ${real === inputs[0] ? 'the input model' : "the input model's external data"}; choose another output path`,
      );
    }
    if (seen.has(real)) throw new StudioError('QuantConfigError', `two outputs would be written to ${out}`);
    seen.add(real);
  }
}
