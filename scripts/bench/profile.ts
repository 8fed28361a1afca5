// Where a whole process's time goes: `node --cpu-prof` profiles (the main thread and each worker thread write one)
// split by call stack into the quantization kernel, MatMulNBits packing, reads, writes, GC, other work and idle.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export const CATEGORIES = ['kernel', 'packing', 'read', 'write', 'gc', 'other', 'idle'] as const;
export type Category = (typeof CATEGORIES)[number];

/** Innermost frame first: the first name that matches decides (packing runs inside the export pass). */
const RULES: [Category, Set<string>][] = [
  // pack4 / pack2 / blobs…: also the WebAssembly kernel's functions (its name section names them)
  [
    'packing',
    new Set(['packMatMulNBits', 'packLevels', 'pack4', 'pack2', 'packBlock', 'blobs8', 'blobs4', 'blobs2']),
  ],
  ['kernel', new Set(['quantizeForExport', 'quantizeFused', 'float16Fused', 'nbitsDirect'])],
  ['read', new Set(['readWeight', 'readLazyRaw', 'readExternalBytes', 'readTensorBytes', 'arrayBuffer'])],
  ['write', new Set(['writeExport', 'writeParts', 'writeAll', 'spill', 'discard'])],
];

function categoryOf(stack: string[]): Category {
  if (stack[0] === '(garbage collector)') return 'gc';
  if (stack[0] === '(idle)') return 'idle';
  for (const name of stack) for (const [cat, names] of RULES) if (names.has(name)) return cat;
  return 'other';
}

/** Milliseconds per category, summed over every profile in `dir` (each thread's samples are its own time). */
export function breakdown(dir: string): { ms: Record<Category, number>; threads: number } {
  const ms = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  for (const f of files) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile;
    const parent = new Map<number, ProfileNode>();
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n);
    const cat = new Map<number, Category>();
    p.samples.forEach((id, i) => {
      let c = cat.get(id);
      if (c === undefined) {
        const stack: string[] = [];
        for (let n = byId.get(id); n; n = parent.get(n.id)) stack.push(n.callFrame.functionName);
        cat.set(id, (c = categoryOf(stack)));
      }
      ms[c] += p.timeDeltas[i] / 1000;
    });
  }
  return { ms, threads: files.length };
}

/** "kernel 9.1 s (61 %), packing …; idle 3.0 s": busy categories as shares of the busy time. */
export function describe({ ms, threads }: ReturnType<typeof breakdown>): string {
  const busy = CATEGORIES.filter((c) => c !== 'idle').reduce((a, c) => a + ms[c], 0);
  const part = (c: Category) =>
    `${c} ${(ms[c] / 1000).toFixed(1)} s (${((100 * ms[c]) / busy).toFixed(0)} %)`;
  return `${threads} thread(s), ${(busy / 1000).toFixed(1)} s busy: ${CATEGORIES.filter((c) => c !== 'idle')
    .map(part)
    .join(', ')}; idle (waiting for reads, workers or a core) ${(ms.idle / 1000).toFixed(1)} s`;
}
