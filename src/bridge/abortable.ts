/** Race `work` against `signal`: on abort, call `onAbort` and reject with the signal's reason. */
export async function raceAbort<T>(signal: AbortSignal, work: Promise<T>[], onAbort: () => void): Promise<T> {
  signal.throwIfAborted();
  let listener: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    listener = () => {
      onAbort();
      reject(signal.reason);
    };
    signal.addEventListener('abort', listener, { once: true });
  });
  try {
    return await Promise.race([...work, aborted]);
  } finally {
    if (listener) signal.removeEventListener('abort', listener);
  }
}

/** Ask `cancel`, then wait at most `graceMs` for `task` to settle. True when it did (either way). */
export async function cancelWithin(
  task: Promise<unknown>,
  cancel: () => Promise<void>,
  graceMs: number,
): Promise<boolean> {
  const settled = task.then(
    () => true,
    () => true,
  );
  void cancel().catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), graceMs);
  });
  const answered = await Promise.race([settled, timedOut]);
  clearTimeout(timer);
  return answered;
}
