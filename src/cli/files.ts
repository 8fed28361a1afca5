// The model's files on disk: opening a model with its external data, and the output paths that must not overwrite them.
import { realpath, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StudioError } from '../core/errors';
import { externalFileName, listExternalLocations, parseModelBlob, resolveExternalFiles } from '../core/onnx';
import { checkModelStorage } from '../core/onnx/validate';
import type { BlobLike, OnnxModel } from '../core/onnx/types';
import { foldWeightInputs } from '../core/onnx/fold';
import { fileBlob } from './file-blob';

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
  // One parse, without sidecars, to learn which external files the model names, then resolve them next to it.
  // The file is a Blob: large tensors stay on disk and are read one by one when they are quantized or written.
  const model = await parseModelBlob(fileBlob(path, 0, info.size), basename(path), new Map(), {
    checkExternal: false,
  });
  const folder = await realpath(dirname(path));
  const inputs = [await realpath(path)];
  const sidecars = new Map<string, BlobLike>();
  for (const loc of listExternalLocations(model.proto)) {
    externalFileName(loc); // refuses absolute paths and `..` before anything is looked up
    const real = await realpath(join(dirname(path), loc)).catch(() => null);
    if (real === null) continue; // reported as missing, with every other missing file, by resolveExternalFiles
    if (!real.startsWith(folder + sep)) {
      throw new StudioError(
        'ExternalDataError',
        `external data location '${loc}' leads outside the model's folder (to ${real}); refusing to read it`,
      );
    }
    const side = await stat(real);
    if (side.isFile()) {
      sidecars.set(loc, fileBlob(real, 0, side.size));
      inputs.push(real);
    }
  }
  const externalFiles = resolveExternalFiles(model.proto, sidecars);
  checkModelStorage(model.proto, externalFiles);
  // Weights computed from constants (Slice/Concat gate reordering of exported LSTMs) become plain initializers.
  return { model: (await foldWeightInputs({ ...model, externalFiles })).model, inputs };
}

export async function openModelFile(path: string): Promise<OnnxModel> {
  return (await openModelFileWithInputs(path)).model;
}

/** Refuses an output path that is one of the files read (the model or its external data), or two outputs at one path. */
export async function checkOutputPaths(outputs: string[], inputs: readonly string[]): Promise<void> {
  const seen = new Set<string>();
  for (const out of outputs) {
    // realpath follows a symlink or an alias (./x, x/../x) to the file that would be overwritten
    const real = await realpath(out).catch(() => resolve(out));
    if (inputs.includes(real)) {
      throw new StudioError(
        'QuantConfigError',
        `refusing to write ${out}: it would overwrite the model${real === inputs[0] ? '' : "'s external data file"}; choose another output path`,
      );
    }
    if (seen.has(real)) throw new StudioError('QuantConfigError', `two outputs would be written to ${out}`);
    seen.add(real);
  }
}

/** `model.onnx` → `model.onnx_data`: the data file's name for external-data output (kept next to the model). */
export const dataFileName = (outPath: string): string => `${basename(outPath)}_data`;
