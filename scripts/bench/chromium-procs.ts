// Chromium's processes from /proc (Linux): CPU time and resident memory of a browser's process tree, for the
// browser benches. A browser's workers are threads of its renderer processes, so the tree covers them.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface Stat {
  pid: number;
  ppid: number;
  /** user + system clock ticks so far */
  ticks: number;
}

function stats(): Stat[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const rest = f.slice(f.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
        return [{ pid: Number(pid), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) }];
      } catch {
        return []; // exited meanwhile
      }
    });
}

/** `root` and its descendants. */
function tree(root: number, procs = stats()): Stat[] {
  const ids = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (!ids.has(p.pid) && ids.has(p.ppid)) grew = ids.add(p.pid).size > 0;
  }
  return procs.filter((p) => ids.has(p.pid));
}

/** CPU time (user + system, ms) of a process and its descendants so far. */
export function treeCpuMs(root: number): number {
  return (tree(root).reduce((a, p) => a + p.ticks, 0) * 1000) / CLK_TCK;
}

/**
 * The browser process Playwright started from this process (`chromium.launch()` runs its driver in-process, so
 * the browser is our child): the newest child whose executable is Chromium's (or Chrome's).
 */
export function launchedBrowserPid(parent = process.pid): number {
  const kids = stats().filter((p) => p.ppid === parent && /chrom/i.test(exeOf(p.pid)));
  if (kids.length === 0) throw new Error('no Chromium process among this process’s children');
  return Math.max(...kids.map((p) => p.pid));
}

const exeOf = (pid: number) => {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return '';
  }
};

/** Chromium's process kind from its command line (it rewrites its title, so the flags are one string). */
function kindOf(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const type = /--type=(\S+)/.exec(cmd)?.[1];
    if (!type) return 'browser';
    if (type === 'utility') return /--utility-sub-type=(\S+)/.exec(cmd)?.[1]?.split('.').pop() ?? 'utility';
    return type;
  } catch {
    return 'gone';
  }
}

/** VmRSS, RssAnon and RssShmem of a process in bytes (0 when it exited). */
function memOf(pid: number): { rss: number; anon: number; shmem: number } {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) * 1024;
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), shmem: kb('RssShmem') };
  } catch {
    return { rss: 0, anon: 0, shmem: 0 };
  }
}

export interface MemoryPeak {
  /** Highest sum of VmRSS over the tree (shared pages count once per process that maps them). */
  rss: number;
  /** Each process kind's resident bytes at that moment (renderer: the page and its workers). */
  byKind: Record<string, number>;
  /** Highest sum of RssAnon (anonymous memory: heaps, ArrayBuffers; no mapped files, no shared memory). */
  anon: number;
  /** Highest sum of RssShmem (shared memory, e.g. IPC buffers; counted in every process that maps it). */
  shmem: number;
  /** Milliseconds from start() to the peak. */
  atMs: number;
  samples: number;
  /** The highest summed RSS within each phase (see mark()). */
  phases: Record<string, number>;
  /** Each process kind's own highest RSS (not necessarily at the same moment). */
  kindPeaks: Record<string, number>;
  /** The same per phase. */
  phaseKindPeaks: Record<string, Record<string, number>>;
}

const emptyPeak = (): MemoryPeak => ({
  rss: 0,
  byKind: {},
  anon: 0,
  shmem: 0,
  atMs: 0,
  samples: 0,
  phases: {},
  kindPeaks: {},
  phaseKindPeaks: {},
});

/**
 * Samples the resident memory of a process tree every `everyMs` (the tree itself is listed again every
 * `rescanMs`, as renderers and utility processes come and go) and keeps the peak.
 */
export class TreeMemorySampler {
  #timer: ReturnType<typeof setInterval> | undefined;
  #pids: { pid: number; kind: string }[] = [];
  #lastScan = 0;
  #t0 = 0;
  #peak = emptyPeak();
  #phase = 'start';

  constructor(
    readonly root: number,
    readonly everyMs = 50,
    readonly rescanMs = 500,
  ) {}

  /** One reading now: the tree's summed RSS and per kind. */
  read(): { rss: number; anon: number; shmem: number; byKind: Record<string, number> } {
    const now = Date.now();
    if (now - this.#lastScan >= this.rescanMs || this.#pids.length === 0) {
      this.#pids = tree(this.root).map((p) => ({ pid: p.pid, kind: kindOf(p.pid) }));
      this.#lastScan = now;
    }
    let rss = 0;
    let anon = 0;
    let shmem = 0;
    const byKind: Record<string, number> = {};
    for (const { pid, kind } of this.#pids) {
      const m = memOf(pid);
      rss += m.rss;
      anon += m.anon;
      shmem += m.shmem;
      byKind[kind] = (byKind[kind] ?? 0) + m.rss;
    }
    return { rss, anon, shmem, byKind };
  }

  start(): void {
    this.#t0 = Date.now();
    this.#peak = emptyPeak();
    const tick = () => {
      const r = this.read();
      const p = this.#peak;
      p.samples++;
      p.anon = Math.max(p.anon, r.anon);
      p.shmem = Math.max(p.shmem, r.shmem);
      p.phases[this.#phase] = Math.max(p.phases[this.#phase] ?? 0, r.rss);
      const inPhase = (p.phaseKindPeaks[this.#phase] ??= {});
      for (const [k, v] of Object.entries(r.byKind)) {
        p.kindPeaks[k] = Math.max(p.kindPeaks[k] ?? 0, v);
        inPhase[k] = Math.max(inPhase[k] ?? 0, v);
      }
      if (r.rss > p.rss) Object.assign(p, { rss: r.rss, byKind: r.byKind, atMs: Date.now() - this.#t0 });
    };
    tick();
    this.#timer = setInterval(tick, this.everyMs);
  }

  /** Samples from now on belong to phase `name` (MemoryPeak.phases). */
  mark(name: string): void {
    this.#phase = name;
  }

  /** Stops sampling; the peak since start(). */
  stop(): MemoryPeak {
    clearInterval(this.#timer);
    return structuredClone(this.#peak);
  }
}
