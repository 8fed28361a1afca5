// Writing the export: the model file and its data file, tensor by tensor, and the spill file that holds the
// quantized tensors of a large model until then (and becomes one of those files where it can).
import { lstat, open, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
import { fileBlob, readBuffer, recycleReadBuffer, type FileBlob } from './file-blob';

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
