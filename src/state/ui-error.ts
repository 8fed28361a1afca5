/** An error as the UI keeps it: comlink carries only name and message across the worker boundary. */
export interface UiError {
  name: string;
  message: string;
}

export const toUiError = (e: unknown): UiError =>
  e instanceof Error || (typeof e === 'object' && e !== null && 'message' in e)
    ? { name: String((e as Error).name ?? 'Error'), message: String((e as Error).message) }
    : { name: 'Error', message: String(e) };

/** Aborts and user cancels are outcomes, never errors to show. */
export const isAbortLike = (e: unknown): boolean =>
  typeof e === 'object' && e !== null && ['AbortError', 'CancelledError'].includes((e as Error).name);
