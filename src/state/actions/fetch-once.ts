// The one "fetch once per key, guarded by request id" helper behind every view cache (histograms, channel ranges,
// error curves, flips, gallery thumbnails).
import type { AppState } from '../slices';
import { getState, setState } from '../store';
import { toUiError, type UiError } from '../ui-error';
import type { Async } from '../types';

/** Store records of `Async` entries. */
export type CacheName = {
  [K in keyof AppState]: AppState[K] extends Record<string, Async<unknown>> ? K : never;
}[keyof AppState];
export type DataOf<K extends CacheName> = AppState[K][string] extends Async<infer D> ? D : never;

let nextRequestId = 0;

const setEntry = <K extends CacheName>(cache: K, key: string, entry: Async<DataOf<K>> | undefined) =>
  setState((s) => {
    const next = { ...(s[cache] as Record<string, unknown>) };
    if (entry) next[key] = entry;
    else delete next[key];
    return { [cache]: next } as Partial<AppState>;
  });

export interface FetchOnceOptions {
  /** Ask again when the entry holds an error (a retry button). */
  retryError?: boolean;
  /** Also required for an answer to be written (e.g. the evaluation it belongs to is still shown). */
  stillWanted?: () => boolean;
  /** Turn a failure into the error to show, or null to drop the entry (so a view asks again). */
  errorOf?: (e: unknown) => UiError | null;
}

/**
 * Fetch `cache[key]` unless it is there. Clearing a cache (another model, another evaluation) makes answers in
 * flight stale: an answer is written only if its own request is still the entry's request.
 */
export async function fetchOnce<K extends CacheName>(
  cache: K,
  key: string,
  fetch: () => Promise<DataOf<K>>,
  options: FetchOnceOptions = {},
): Promise<void> {
  const cur = (getState()[cache] as Record<string, Async<unknown>>)[key];
  if (cur && (cur.status !== 'error' || !options.retryError)) return;
  const requestId = ++nextRequestId;
  setEntry(cache, key, { status: 'loading', requestId });
  const isMine = () => {
    const e = (getState()[cache] as Record<string, Async<unknown>>)[key];
    return e?.status === 'loading' && e.requestId === requestId && (options.stillWanted?.() ?? true);
  };
  try {
    const data = await fetch();
    if (isMine()) setEntry(cache, key, { status: 'ready', data });
  } catch (e) {
    if (!isMine()) return;
    const error = options.errorOf ? options.errorOf(e) : toUiError(e);
    setEntry(cache, key, error ? { status: 'error', error } : undefined);
  }
}
