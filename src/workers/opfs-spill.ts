// Quantized tensors of a large model written to the origin private file system (OPFS) as soon as they are made
// (RunHooks.spill, as the CLI writes them to a file): a run then holds file slices, not its output, and the export is
// a Blob of those files that the browser reads from disk when it saves the download. Each tensor is its own file
// (an OPFS File read after its file changed fails, so nothing is ever appended to a file already handed out).
// A worker keeps its files in its own folder under a Web Lock; folders whose lock nobody holds (a closed tab, a
// terminated worker) are deleted when the page closes a model, after it released the exports that read them.
import type { LazyRaw } from '../core/onnx/lazy';
import { SPILL_FROM_BYTES } from '../core/pipeline/types';

/** The threshold; browser tests lower it in the worker's global scope (as QSTUDIO_SPILL_FROM_BYTES does for the CLI). */
export const spillFromBytes = (): number =>
  (globalThis as { qstudioSpillFromBytes?: number }).qstudioSpillFromBytes ?? SPILL_FROM_BYTES;

const ROOT = 'qstudio-spill';
const LOCK_PREFIX = 'qstudio-spill:';

/** What OPFS offers a dedicated worker (typed here: the DOM lib leaves out the worker-only sync handle). */
interface SyncHandle {
  write(buffer: ArrayBufferView, options?: { at?: number }): number;
  close(): void;
}
type SpillFileHandle = FileSystemFileHandle & { createSyncAccessHandle(): Promise<SyncHandle> };

const storage = () =>
  (globalThis as { navigator?: Navigator }).navigator?.storage as StorageManager | undefined;
const locks = () => (globalThis as { navigator?: Navigator }).navigator?.locks as LockManager | undefined;

let runs = 0;
let folder: Promise<{ dir: FileSystemDirectoryHandle; name: string } | null> | undefined;

/** This worker's folder, its lock held for the worker's lifetime; null where OPFS or Web Locks are missing. */
function ownFolder() {
  folder ??= (async () => {
    const s = storage();
    const l = locks();
    if (!s?.getDirectory || !l) return null;
    const name = `w-${crypto.randomUUID()}`;
    await new Promise<void>((held) => {
      void l.request(LOCK_PREFIX + name, () => {
        held();
        return new Promise<void>(() => {}); // released when the worker ends
      });
    });
    const root = await (await s.getDirectory()).getDirectoryHandle(ROOT, { create: true });
    return { dir: await root.getDirectoryHandle(name, { create: true }), name };
  })().catch(() => null);
  return folder;
}

export interface RunSpill {
  spill(bytes: Uint8Array): Promise<LazyRaw>;
  /** Deletes the run's files (its exports can no longer be read). */
  discard(): Promise<void>;
}

/**
 * A spill for one run, or null where OPFS is unavailable (then the run holds its output, as before). A tensor that
 * cannot be written (quota) goes into an in-memory Blob instead: the run never fails for want of disk.
 */
export async function runSpill(runId: string): Promise<RunSpill | null> {
  const own = await ownFolder();
  if (!own) return null;
  const safe = `${runId.replace(/[^\w.-]/g, '_')}-${++runs}`;
  let dir: FileSystemDirectoryHandle | null = null;
  let n = 0;
  return {
    async spill(bytes) {
      const end = bytes.byteLength;
      try {
        dir ??= await own.dir.getDirectoryHandle(safe, { create: true });
        const handle = (await dir.getFileHandle(`t${n++}`, { create: true })) as SpillFileHandle;
        const sync = await handle.createSyncAccessHandle();
        try {
          // No flush(): that is an fsync (durability a spill never needs; getFile reads what was written).
          if (sync.write(bytes, { at: 0 }) !== end) throw new Error('short write');
        } finally {
          sync.close();
        }
        const file = await handle.getFile();
        if (file.size !== end) throw new Error('size mismatch');
        return { blob: file, start: 0, end };
      } catch {
        return { blob: new Blob([bytes as Uint8Array<ArrayBuffer>]), start: 0, end };
      }
    },
    async discard() {
      if (dir) await own.dir.removeEntry(safe, { recursive: true }).catch(() => {});
      dir = null;
    },
  };
}

/** Deletes the folders of workers that are gone (their lock is free). */
export async function removeStaleSpills(): Promise<void> {
  const own = await ownFolder();
  const l = locks();
  if (!own || !l) return;
  try {
    const held = new Set((await l.query()).held?.map((x) => x.name));
    const root = await (await storage()!.getDirectory()).getDirectoryHandle(ROOT, { create: true });
    const names: string[] = [];
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
    for (const name of names)
      if (name !== own.name && !held.has(LOCK_PREFIX + name))
        await root.removeEntry(name, { recursive: true }).catch(() => {});
  } catch {
    // Cleaning up is best effort: a folder left now goes at the next close.
  }
}
