import { lstat, open, realpath, rename, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { StudioError } from '../core/errors';
import { externalFileName, listExternalLocations, parseModelBlob, resolveExternalFiles } from '../core/onnx';
import { checkModelStorage } from '../core/onnx/validate';
import type { BlobLike, OnnxModel } from '../core/onnx/types';
import {
  alignPadding,
  partBytes,
  partLength,
  type DataPart,
  type ExternalData,
} from '../core/export/external-data';
import type { LazyRaw } from '../core/onnx/lazy';
import { SPILL_FROM_BYTES } from '../core/pipeline/types';
import type { ModelFile } from '../core/export/stream';
import { foldWeightInputs } from '../core/onnx/fold';

/**
 * A file as a BlobLike whose slices are read with one positioned read into a fresh buffer. Node's own Blob from
 * openAsBlob reads in chunks and joins them (twice the copying per tensor), and Node 20 reports the size of a file
 * past 4 GiB modulo 2^32.
 */
export interface FileBlob extends BlobLike {
  slice(start?: number, end?: number): FileBlob;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

/**
 * Read buffers given back once nothing else holds them (the RTN threads' tensors, moved back when quantized): the
 * next read of the same size fills one again instead of a fresh allocation, whose first touch of every page costs
 * the kernel a fault and a zeroing (half the CPU time of a 2.6 GB quantize went there). A few are kept at most.
 */
const recycled: ArrayBuffer[] = [];
const RECYCLED_MAX = 4;

/** `buffer` is no longer used by anyone (no view of it is kept anywhere): a later read of its size may fill it. */
export function recycleReadBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === 0 || recycled.includes(buffer)) return;
  recycled.push(buffer);
  if (recycled.length > RECYCLED_MAX) recycled.shift();
}

function readBuffer(size: number): Buffer<ArrayBuffer> {
  const i = recycled.findIndex((b) => b.byteLength === size);
  if (i >= 0) return Buffer.from(recycled.splice(i, 1)[0], 0, size);
  return Buffer.allocUnsafeSlow(size);
}

export function fileBlob(path: string, start: number, end: number): FileBlob {
  return {
    size: end - start,
    slice(a = 0, b = end - start) {
      const from = start + Math.min(Math.max(a, 0), end - start);
      return fileBlob(path, from, Math.max(from, start + Math.min(Math.max(b, 0), end - start)));
    },
    async arrayBuffer() {
      // Not zero-filled (every byte is read over, a short read returns only what was read) and never shared: the
      // buffer is this slice's alone (fresh, or given back by recycleReadBuffer), so a reader may move or view it whole.
      const buf = readBuffer(end - start);
      const fh = await open(path, 'r');
      let at = 0;
      try {
        while (at < buf.length) {
          const { bytesRead } = await fh.read(buf, at, buf.length - at, start + at);
          if (bytesRead === 0) break; // shorter than when opened: the reader reports a short read
          at += bytesRead;
        }
      } finally {
        await fh.close();
      }
      return at === buf.length ? buf.buffer : buf.buffer.slice(0, at);
    },
    async text() {
      return new TextDecoder().decode(await this.arrayBuffer());
    },
  };
}

/** A whole file as a FileBlob (its size from stat: right past 4 GiB, where Node 20's openAsBlob is not). */
export async function openFileBlob(path: string): Promise<FileBlob> {
  const info = await stat(path);
  if (!info.isFile()) throw new StudioError('OnnxParseError', `${path} is not a file`);
  return fileBlob(path, 0, info.size);
}

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

async function writeAll(file: FileHandle, chunk: Uint8Array): Promise<void> {
  for (let at = 0; at < chunk.length;) {
    const { bytesWritten } = await file.write(chunk, at, Math.min(chunk.length - at, 2 ** 30));
    at += bytesWritten;
  }
}

/** Writes parts one after another through one file handle (a slice of a source file is read when its turn comes). */
async function writeParts(path: string, parts: readonly DataPart[]): Promise<void> {
  const file = await open(path, 'w');
  try {
    for (const part of parts) {
      const bytes = await partBytes(part);
      await writeAll(file, bytes);
      // A slice was read into a buffer of its own (a spilled tensor on its way into the model file): the next
      // slice of its size is read into it again.
      if (part.kind === 'slice') recycleReadBuffer(bytes.buffer as ArrayBuffer);
    }
  } finally {
    await file.close();
  }
}

/**
 * Quantized tensors written out as they are made (RunHooks.spill), so a run never holds them all. They are laid out
 * as toExternalData lays out a data file (same alignment): when the data file's parts turn out to be exactly the
 * spilled tensors in order, the spill file becomes the data file by a rename, with no second copy.
 */
export interface SpillFile {
  spill(bytes: Uint8Array): Promise<LazyRaw>;
  /** Closes and deletes the file unless it was renamed into place. */
  discard(): Promise<void>;
}

interface SpillState extends SpillFile {
  path: string;
  /** Read and written at positions (the in-place rearrangement reads it after it was renamed). */
  file: FileHandle;
  blob: FileBlob;
  /** What the file holds, in order: padding (zeros) or a tensor. */
  regions: DataPart[];
  size: number;
  close(): Promise<void>;
}

/** SPILL_FROM_BYTES; QSTUDIO_SPILL_FROM_BYTES lowers it for tests, so a small model spills. */
const spillFromBytes = () => Number(process.env.QSTUDIO_SPILL_FROM_BYTES || SPILL_FROM_BYTES);

/** A spill file next to `outPath` (same file system, so a rename can make it the data file), or null for small models. */
export const spillFor = (outPath: string, modelBytes: number): Promise<SpillFile> | null =>
  modelBytes >= spillFromBytes()
    ? openSpill(join(dirname(outPath), `.${basename(outPath)}.${process.pid}.spill`))
    : null;

export async function openSpill(path: string): Promise<SpillFile> {
  // Ctrl-C or a kill mid-run: the hidden spill file goes with the run (a listener replaces Node's default exit).
  // Listening before the file exists: a signal right after it appears finds the listener there.
  const onSignal = (signal: NodeJS.Signals) => {
    rmSync(path, { force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  const file = await open(path, 'wx+').catch((e: unknown) => {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    throw e;
  });
  const blob = fileBlob(path, 0, Number.MAX_SAFE_INTEGER);
  let closed = false;
  const state: SpillState = {
    path,
    file,
    blob,
    regions: [],
    size: 0,
    async spill(bytes) {
      const pad = alignPadding(state.size, bytes.length);
      if (pad) {
        await writeAll(file, new Uint8Array(pad));
        state.regions.push({ kind: 'zeros', length: pad });
        state.size += pad;
      }
      await writeAll(file, bytes);
      const ref = { blob, start: state.size, end: state.size + bytes.length };
      state.regions.push({ kind: 'slice', ...ref });
      state.size = ref.end;
      return ref;
    },
    async close() {
      if (!closed) await file.close();
      closed = true;
    },
    async discard() {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      await state.close();
      await rm(path, { force: true });
    },
  };
  return state;
}

/** Whether `parts` are exactly what the spill file holds, region by region. */
function isSpillFile(parts: readonly DataPart[], spill: SpillState): boolean {
  const r = spill.regions;
  return (
    parts.length === r.length &&
    parts.every((p, i) =>
      p.kind === 'zeros'
        ? r[i].kind === 'zeros' && r[i].length === p.length
        : p.kind === 'slice' &&
          r[i].kind === 'slice' &&
          p.blob === spill.blob &&
          p.start === r[i].start &&
          p.end === r[i].end,
    )
  );
}

/**
 * Write the exported model, and with external-data output its data file next to it, tensor by tensor: no
 * concatenated copy of either file is made. The spill file becomes the file that holds the spilled tensors (the data
 * file, or the model file without external data): renamed as it is when it already is that file, else renamed and
 * rearranged in place (rearrange); where neither applies the tensors are read back from it and written out again.
 */
export async function writeExport(
  outPath: string,
  model: ModelFile,
  data?: ExternalData,
  spill?: SpillFile | null,
): Promise<void> {
  const s = spill as SpillState | null | undefined;
  if (data) {
    const dataPath = join(dirname(outPath), data.location);
    if (s && isSpillFile(data.parts, s)) {
      await s.close();
      await rename(s.path, dataPath);
      await truncate(dataPath, data.size);
    } else if (!(s && !refersTo(model.parts, s) && (await rearrange(dataPath, data.parts, s))))
      await writeParts(dataPath, data.parts);
  } else if (s && (await rearrange(outPath, model.parts, s))) return;
  await writeParts(outPath, model.parts);
}

const refersTo = (parts: readonly DataPart[], spill: SpillState) =>
  parts.some((p) => p.kind === 'slice' && p.blob === spill.blob);

/** A spilled tensor's move within the file: from its place in the spill file to its place in `parts`. */
interface Move {
  from: number;
  to: number;
  length: number;
}

/**
 * `parts` written into the spill file itself, renamed to `path` first: every spilled tensor is moved to its place,
 * last first (each lies at or after where it was spilled, and after every tensor spilled before it, so a move never
 * overwrites one still to be moved), then the bytes between them are written and the file cut to its size. Writing
 * over the file's own pages costs a fraction of writing a new file (no fresh page-cache pages: on this machine a new
 * file's write cost 2–10× an overwrite), and a tensor that is already in place is not touched. False (nothing done)
 * when the tensors are not in that order, `path` is a symlink or the rename fails (another file system): the caller
 * writes a new file.
 */
async function rearrange(path: string, parts: readonly DataPart[], spill: SpillState): Promise<boolean> {
  const moves: Move[] = [];
  const fills: { at: number; part: DataPart }[] = [];
  let at = 0;
  let spilledEnd = 0;
  for (const p of parts) {
    const length = partLength(p);
    if (p.kind === 'slice' && p.blob === spill.blob) {
      if (p.start < spilledEnd || at < p.start) return false;
      moves.push({ from: p.start, to: at, length });
      spilledEnd = p.end;
    } else if (length > 0) fills.push({ at, part: p });
    at += length;
  }
  if (moves.length === 0) return false;
  // A symlink at `path` is written through (as a new file would be), not replaced by the rename.
  if (
    await lstat(path).then(
      (st) => st.isSymbolicLink(),
      () => false,
    )
  )
    return false;
  try {
    await rename(spill.path, path);
  } catch {
    return false;
  }
  const file = spill.file;
  for (const { from, to, length } of moves.reverse()) {
    if (from === to) continue;
    const buf = readBuffer(length);
    await readAllAt(file, buf, from);
    await writeAllAt(file, buf, to);
    recycleReadBuffer(buf.buffer);
  }
  for (const { at: to, part } of fills) await writeAllAt(file, await partBytes(part), to);
  await file.truncate(at);
  await spill.close();
  return true;
}

async function readAllAt(file: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < buf.length;) {
    const { bytesRead } = await file.read(buf, at, Math.min(buf.length - at, 2 ** 30), position + at);
    if (bytesRead === 0) throw new Error(`the spill file ended early, at ${position + at}`);
    at += bytesRead;
  }
}

async function writeAllAt(file: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  for (let at = 0; at < chunk.length;) {
    const { bytesWritten } = await file.write(chunk, at, Math.min(chunk.length - at, 2 ** 30), position + at);
    at += bytesWritten;
  }
}
