// The machine and its load average as the benchmarks print them next to their numbers (other jobs share the cores).
import { cpus, loadavg, totalmem } from 'node:os';

/** The 1, 5 and 15 minute load averages, "1.2 0.9 0.8": now, or of an earlier `loadavg()`. */
export const loadText = (l: readonly number[] = loadavg()): string => l.map((x) => x.toFixed(1)).join(' ');

/** "2 × CPU model, 24 GB RAM, node v20…[, extra], load average … at start, … at end" for a run begun at `load0`. */
export const machineText = (load0: readonly number[], extra?: string): string =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, node ${process.version}${extra ? `, ${extra}` : ''}, load average ${loadText(load0)} at start, ${loadText()} at end`;
