// The machine's load average as the benchmarks print it next to their numbers (other jobs share the cores).
import { loadavg } from 'node:os';

/** The 1, 5 and 15 minute load averages, "1.2 0.9 0.8": now, or of an earlier `loadavg()`. */
export const loadText = (l: readonly number[] = loadavg()): string => l.map((x) => x.toFixed(1)).join(' ');
