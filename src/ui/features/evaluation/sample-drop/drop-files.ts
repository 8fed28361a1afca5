// Dropped or picked files as the evaluator wants them: `{ path, blob }` with the path relative to what was dropped
// ('png/7/0042.png'), walking dropped folders recursively.
import type { SampleFile } from '../../../../state';

/** The parts of the File and Directory Entries API we use (Chromium, Firefox and Safari all have them). */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  fullPath: string;
}
interface FileEntry extends Entry {
  file(ok: (f: File) => void, fail: (e: unknown) => void): void;
}
interface DirectoryEntry extends Entry {
  createReader(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void };
}

export interface DroppedSamples {
  files: SampleFile[];
  /** What was dropped, for messages: 'png/', 'Iris.csv' or '3 items'. */
  name: string;
}

const relPath = (file: File): string => file.webkitRelativePath || file.name;
const trimSlash = (p: string) => p.replace(/^\/+/, '');

async function walk(entry: Entry, out: SampleFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((ok, fail) => (entry as FileEntry).file(ok, fail));
    out.push({ path: trimSlash(file.webkitRelativePath || entry.fullPath || entry.name), blob: file });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as DirectoryEntry).createReader();
  // readEntries returns the folder in batches (100 at a time in Chromium) until an empty batch.
  for (;;) {
    const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    await Promise.all(batch.map((e) => walk(e, out)));
  }
}

/** A readable name for a set of paths: their common top folder ('png/'), the one file, or a count. */
export function droppedName(paths: string[], topLevel: number): string {
  if (paths.length === 0) return topLevel === 1 ? 'the chosen folder' : 'the drop';
  if (paths.length === 1 && !paths[0].includes('/')) return paths[0];
  const tops = new Set(paths.map((p) => p.split('/')[0]));
  if (tops.size === 1 && paths.some((p) => p.includes('/'))) return `${[...tops][0]}/`;
  return `${topLevel} items`;
}

/**
 * Read a drop. Must be called synchronously in the drop handler: the DataTransfer's items are only readable
 * during the event; the walk over folder entries continues afterwards.
 */
export function samplesFromDataTransfer(dt: DataTransfer): Promise<DroppedSamples> {
  const items = Array.from(dt.items ?? []).filter((i) => i.kind === 'file');
  const entries = items.map((i) => (i.webkitGetAsEntry?.() as Entry | null | undefined) ?? null);
  const files = Array.from(dt.files ?? []);
  const hasFolder = entries.some((e) => e?.isDirectory);
  return (async () => {
    const out: SampleFile[] = [];
    if (hasFolder) {
      for (const [i, e] of entries.entries()) {
        if (e) await walk(e, out);
        else if (files[i]) out.push({ path: relPath(files[i]), blob: files[i] });
      }
      const dirs = entries.filter((e) => e?.isDirectory);
      const name =
        entries.length === 1 && dirs.length === 1
          ? `${dirs[0]?.name}/`
          : droppedName(
              out.map((f) => f.path),
              entries.length,
            );
      return { files: out, name };
    }
    for (const f of files) out.push({ path: relPath(f), blob: f });
    return {
      files: out,
      name: droppedName(
        out.map((f) => f.path),
        files.length,
      ),
    };
  })();
}

/** Files from an `<input type=file>` (a directory picker sets webkitRelativePath: 'png/7/0042.png'). */
export function samplesFromInput(list: FileList | null, folder: boolean): DroppedSamples {
  const files = Array.from(list ?? []);
  const out = files.map((f) => ({ path: relPath(f), blob: f as Blob }));
  return {
    files: out,
    name: droppedName(
      out.map((f) => f.path),
      folder ? 1 : files.length,
    ),
  };
}
