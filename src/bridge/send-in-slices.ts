// Posting many Files to a worker without freezing the page. Chromium stats each File from a file picker on its first
// structured clone, synchronously on the page's thread: 1,002 picked PNGs in one postMessage took 818 ms (again:
// 12 ms) on our 2-core machine under load (docs/vite-ort.md, "plotly and the main thread").

/** Page-thread time one slice may take; the worker's reply to each slice lets the page paint and answer input. */
export const SLICE_BUDGET_MS = 8;
const FIRST_SLICE = 8;
const MAX_SLICE = 1024;

/**
 * Send `items` in slices, one `send` per task, sizing slices so each post stays within `budgetMs`: the size
 * doubles while a post takes under half the budget and halves when it overruns. Always sends once (an empty
 * slice for no items), with `first` true on the first call.
 */
export async function sendInSlices<T>(
  items: readonly T[],
  send: (slice: T[], first: boolean) => Promise<unknown>,
  { budgetMs = SLICE_BUDGET_MS, now = () => performance.now() } = {},
): Promise<void> {
  let size = FIRST_SLICE;
  let at = 0;
  do {
    const slice = items.slice(at, at + size);
    const t0 = now();
    const reply = send(slice, at === 0); // comlink posts synchronously: this measures the clone
    const spent = now() - t0;
    await reply;
    at += slice.length;
    if (spent < budgetMs / 2) size = Math.min(size * 2, MAX_SLICE);
    else if (spent > budgetMs) size = Math.max(1, size >> 1);
  } while (at < items.length);
}
