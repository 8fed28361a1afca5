// The sample set shipped with the demo model, so a newcomer without data can see evaluation end to end.
import { selectLoaded } from '../selectors';
import { getState, setState } from '../store';
import { toUiError } from '../ui-error';
import { loadSampleFiles, setPreprocess } from './evaluate-samples';
import { DEMO_MODEL_NAME } from './open-model';

const BASE_URL = (import.meta as ImportMeta & { env?: { BASE_URL?: string } }).env?.BASE_URL ?? '/';
export const DEMO_SAMPLES_URL = `${BASE_URL}demo/mnist-samples.zip`;
export const DEMO_SAMPLES_NAME = 'mnist-samples.zip';
/** What the zip holds (public/demo/ATTRIBUTION.md). */
export const DEMO_SAMPLES_COUNT = 300;

/** Whether the open model is the demo model (by name and its 28×28 input), so its samples fit it. */
export function selectIsDemoModel(s: Parameters<typeof selectLoaded>[0]): boolean {
  const loaded = selectLoaded(s);
  const shape = loaded?.summary.inputs[0]?.shape;
  return loaded?.fileName === DEMO_MODEL_NAME && JSON.stringify(shape) === '[1,1,28,28]';
}

/**
 * Fetch the demo sample set (300 labelled MNIST test digits, same origin, so it works offline once the page is
 * loaded) and read it like a dropped zip. The demo model takes raw pixel values 0..255, so that is set too.
 */
export async function loadDemoSamples(): Promise<void> {
  let blob: Blob;
  try {
    const res = await fetch(DEMO_SAMPLES_URL);
    if (!res.ok) throw new Error(`Could not fetch the demo samples (HTTP ${res.status})`);
    blob = await res.blob();
  } catch (e) {
    const previous = getState().samples;
    setState({
      samples: {
        status: 'error',
        name: DEMO_SAMPLES_NAME,
        error: toUiError(e),
        previous: previous.status === 'ready' ? previous.loaded : null,
      },
    });
    return;
  }
  await loadSampleFiles([{ path: DEMO_SAMPLES_NAME, blob }], DEMO_SAMPLES_NAME);
  const s = getState();
  if (s.samples.status === 'ready' && s.samples.loaded.name === DEMO_SAMPLES_NAME && selectIsDemoModel(s)) {
    if (s.preprocess?.options.range !== '0..255') setPreprocess({ range: '0..255' });
  }
}
