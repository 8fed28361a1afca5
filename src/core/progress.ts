// One progress throttle for every long job (quantize runs, evaluations): about 10 messages a second.

export const PROGRESS_INTERVAL_MS = 100;

/**
 * Wrap `onProgress` so it is called at most every PROGRESS_INTERVAL_MS; `force` (a phase's start and end) always
 * goes through.
 */
export function throttleProgress<P>(
  now: () => number,
  onProgress?: (p: P) => void,
): (p: P, force?: boolean) => void {
  let last = -Infinity;
  return (p, force = false) => {
    if (!onProgress) return;
    const t = now();
    if (!force && t - last < PROGRESS_INTERVAL_MS) return;
    last = t;
    onProgress(p);
  };
}
