// The last check before a variant is offered for download: the quantize worker reads the exported bytes back
// (tensor data vs shape, nothing external, a well-formed graph: core/export/validate.ts), then — when the file is
// small enough — onnxruntime-web creates a session from them in the evaluate worker. A variant that fails is
// reported on its row and its download button is not offered.
import { getEvaluateSession, newEvaluateBridge } from '../../bridge';
import { resultOf, selectLoaded } from '../selectors';
import { appStore, getState, setState } from '../store';
import { isAbortLike, toUiError } from '../ui-error';
import type { VariantCheck } from '../types';
import { downloadFileName } from '../variant-key';
import { variantBlob } from './download';

/** Variants up to this size are loaded by onnxruntime-web before download (a session costs about its size again). */
export const LOAD_CHECK_LIMIT_BYTES = 256 * 1024 * 1024;

/** Error name of a variant that failed its check (page-side, wraps the worker's message). */
export const VARIANT_CHECK_FAILED = 'VariantCheckError';

/** Loads exported bytes in onnxruntime (rejects with its message). Tests swap in a stub. */
export type LoadCheck = (blob: Blob, label: string) => Promise<void>;

/**
 * From this size a load check gets an evaluate worker of its own, ended after it: onnxruntime-web's WebAssembly
 * memory grows to hold the session and never shrinks, so a check in the shared evaluate worker left it holding
 * about ten times the file (1 GB after a 102 MB int8 model) for the rest of the page's life.
 */
export const OWN_WORKER_FROM_BYTES = 16 * 2 ** 20;
/** The threshold; browser tests lower it in the page's global scope (as qstudioSpillFromBytes in the worker's). */
const ownWorkerFrom = () =>
  (globalThis as { qstudioOwnCheckWorkerFrom?: number }).qstudioOwnCheckWorkerFrom ?? OWN_WORKER_FROM_BYTES;

const defaultLoadCheck: LoadCheck = async (blob, label) => {
  if (blob.size < ownWorkerFrom()) return getEvaluateSession().call((api) => api.checkLoads(blob, label));
  const bridge = newEvaluateBridge();
  try {
    await bridge.run(new AbortController().signal, (api) => api.checkLoads(blob, label));
  } finally {
    bridge.terminate();
  }
};
let loadCheck: LoadCheck = defaultLoadCheck;

/** Swap the onnxruntime load (tests); `undefined` restores the evaluate worker's. */
export function setLoadCheck(check: LoadCheck | undefined): void {
  loadCheck = check ?? defaultLoadCheck;
}

const setCheck = (variantId: string, check: VariantCheck | undefined) =>
  setState((s) => {
    const checks = { ...s.checks };
    if (check) checks[variantId] = check;
    else delete checks[variantId];
    return { checks };
  });

/** Is `runId` still the variant's result (not re-run, removed, or another model)? */
const isCurrent = (variantId: string, runId: string) =>
  resultOf(getState().variants[variantId])?.runId === runId;

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/**
 * Check a variant's current result once (concurrent and repeated calls share it). Resolves to the check, or
 * undefined when the variant changed meanwhile. The evaluate worker may be restarted under it (a cancelled
 * evaluation): the load is then tried again, once.
 */
export async function checkVariant(variantId: string): Promise<VariantCheck | undefined> {
  const s = getState();
  const loaded = selectLoaded(s);
  const variant = s.variants[variantId];
  const result = resultOf(variant);
  if (!loaded || !variant || !result) return undefined;
  const runId = result.runId;
  const existing = s.checks[variantId];
  if (existing?.runId === runId) {
    if (existing.status !== 'checking') return existing;
    return waitForCheck(variantId, runId);
  }
  setCheck(variantId, { status: 'checking', runId });
  let check: VariantCheck;
  try {
    if (result.fileBytesAfter > LOAD_CHECK_LIMIT_BYTES) {
      // Not exported ahead of the click (it would hold the bytes in the page): the export on download runs the
      // structure check and shows a failure in place of the file.
      const note = `${mb(result.fileBytesAfter)} is over the ${mb(LOAD_CHECK_LIMIT_BYTES)} limit for loading it in onnxruntime-web before download; its structure is checked when you download it`;
      check = { status: 'ok', runId, loaded: false, note };
    } else {
      const blob = await variantBlob(loaded, variant); // the worker's structure check runs in this export
      await loadWithRetry(blob, downloadFileName(loaded.fileName, variant.config));
      check = { status: 'ok', runId, loaded: true };
    }
  } catch (e) {
    if (isAbortLike(e)) {
      if (isCurrent(variantId, runId)) setCheck(variantId, undefined); // unchecked: the download checks again
      return undefined;
    }
    const { message } = toUiError(e);
    check = { status: 'failed', runId, error: { name: VARIANT_CHECK_FAILED, message } };
  }
  if (!isCurrent(variantId, runId) || getState().checks[variantId]?.runId !== runId) return undefined;
  setCheck(variantId, check);
  return check;
}

async function loadWithRetry(blob: Blob, label: string): Promise<void> {
  try {
    await loadCheck(blob, label);
  } catch (e) {
    if (!isAbortLike(e)) throw e;
    await loadCheck(blob, label);
  }
}

/** Resolve when the check of `runId` in flight ends (another caller runs it). */
function waitForCheck(variantId: string, runId: string): Promise<VariantCheck | undefined> {
  return new Promise((resolve) => {
    const unsubscribe = appStore.subscribe((st) => {
      const c = st.checks[variantId];
      if (c?.runId === runId && c.status === 'checking') return;
      unsubscribe();
      resolve(c?.runId === runId ? c : undefined);
    });
  });
}

/** Forget a variant's check (removed). */
export function releaseCheck(variantId: string): void {
  if (getState().checks[variantId]) setCheck(variantId, undefined);
}
