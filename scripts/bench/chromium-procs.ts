// Chromium's processes from /proc (Linux): CPU time and memory (proportional and resident) of a browser's process
// tree, for the browser benches. A browser's workers are threads of its renderer processes, so the tree covers them.
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

/** One process's memory in bytes (all 0 when it exited). */
interface Mem {
  /** VmRSS: every resident page it maps, shared ones in full. */
  rss: number;
  /** RssAnon and RssShmem (anonymous memory: heaps, ArrayBuffers; shared memory, e.g. IPC buffers). */
  anon: number;
  shmem: number;
  /** Pss from smaps_rollup: its private pages plus each shared page divided by the processes that map it. */
  pss: number;
  /** The file-backed part of pss (the executable, libraries, fonts: shared with any other browser running). */
  pssFile: number;
}

const kbOf = (s: string, key: string) =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? 0) * 1024;

function memOf(pid: number): Mem {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return {
      rss: kbOf(status, 'VmRSS'),
      anon: kbOf(status, 'RssAnon'),
      shmem: kbOf(status, 'RssShmem'),
      pss: kbOf(rollup, 'Pss'),
      pssFile: kbOf(rollup, 'Pss_File'),
    };
  } catch {
    return { rss: 0, anon: 0, shmem: 0, pss: 0, pssFile: 0 };
  }
}

/** A reading of the tree: each measure summed over its processes, and each process kind's PSS and RSS. */
export interface TreeMemory extends Mem {
  pssByKind: Record<string, number>;
  rssByKind: Record<string, number>;
}

export interface MemoryPeak {
  /**
   * Highest sum of PSS over the tree: the memory the browser takes from the machine, each shared page counted
   * once in all (divided among the processes that map it), so the sum is at most the tree's RSS sum.
   */
  pss: number;
  /** The whole reading at that moment (its rss is the RSS sum then, not the RSS sum's own peak). */
  atPeak: TreeMemory;
  /** Highest sum of VmRSS over the tree (shared pages count once per process that maps them: an overcount). */
  rss: number;
  /** Highest sums of RssAnon and RssShmem (each counted in every process that maps it). */
  anon: number;
  shmem: number;
  /** Milliseconds from start() to the PSS peak. */
  atMs: number;
  samples: number;
  /** The highest summed PSS and RSS within each phase (see mark()). */
  phases: Record<string, { pss: number; rss: number }>;
  /** Each process kind's own highest PSS (not necessarily at the same moment). */
  kindPeaks: Record<string, number>;
  /** The same per phase. */
  phaseKindPeaks: Record<string, Record<string, number>>;
}

const emptyReading = (): TreeMemory => ({
  rss: 0,
  anon: 0,
  shmem: 0,
  pss: 0,
  pssFile: 0,
  pssByKind: {},
  rssByKind: {},
});

const emptyPeak = (): MemoryPeak => ({
  pss: 0,
  atPeak: emptyReading(),
  rss: 0,
  anon: 0,
  shmem: 0,
  atMs: 0,
  samples: 0,
  phases: {},
  kindPeaks: {},
  phaseKindPeaks: {},
});

/**
 * Samples the memory of a process tree every `everyMs` (the tree itself is listed again every `rescanMs`, as
 * renderers and utility processes come and go) and keeps the peaks.
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

  /** One reading now: the tree's sums, and PSS and RSS per kind. */
  read(): TreeMemory {
    const now = Date.now();
    if (now - this.#lastScan >= this.rescanMs || this.#pids.length === 0) {
      this.#pids = tree(this.root).map((p) => ({ pid: p.pid, kind: kindOf(p.pid) }));
      this.#lastScan = now;
    }
    const r = emptyReading();
    for (const { pid, kind } of this.#pids) {
      const m = memOf(pid);
      for (const k of ['rss', 'anon', 'shmem', 'pss', 'pssFile'] as const) r[k] += m[k];
      r.pssByKind[kind] = (r.pssByKind[kind] ?? 0) + m.pss;
      r.rssByKind[kind] = (r.rssByKind[kind] ?? 0) + m.rss;
    }
    return r;
  }

  start(): void {
    this.#t0 = Date.now();
    this.#peak = emptyPeak();
    const tick = () => {
      const r = this.read();
      const p = this.#peak;
      p.samples++;
      p.rss = Math.max(p.rss, r.rss);
      p.anon = Math.max(p.anon, r.anon);
      p.shmem = Math.max(p.shmem, r.shmem);
      const phase = (p.phases[this.#phase] ??= { pss: 0, rss: 0 });
      phase.pss = Math.max(phase.pss, r.pss);
      phase.rss = Math.max(phase.rss, r.rss);
      const inPhase = (p.phaseKindPeaks[this.#phase] ??= {});
      for (const [k, v] of Object.entries(r.pssByKind)) {
        p.kindPeaks[k] = Math.max(p.kindPeaks[k] ?? 0, v);
        inPhase[k] = Math.max(inPhase[k] ?? 0, v);
      }
      if (r.pss > p.pss) Object.assign(p, { pss: r.pss, atPeak: r, atMs: Date.now() - this.#t0 });
    };
    tick();
    this.#timer = setInterval(tick, this.everyMs);
  }

  /** Samples from now on belong to phase `name` (MemoryPeak.phases). */
  mark(name: string): void {
    this.#phase = name;
  }

  /** Stops sampling; the peaks since start(). */
  stop(): MemoryPeak {
    clearInterval(this.#timer);
    return structuredClone(this.#peak);
  }
}
