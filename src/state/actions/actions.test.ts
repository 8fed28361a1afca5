import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBridge } from '../../bridge/in-process-bridge';
import { setQuantizeBridge } from '../../bridge';
import type { QuantizeApi } from '../../workers/quantize.api';
import { FakeQuantizeApi } from '../testing/fake-quantize-api';
import { appStore, initialState } from '../store';
import { resultOf, selectLoaded } from '../selectors';
import { openFiles, splitModelFiles } from './open-model';
import { cancelQuantize, quantizeSelected, removeVariant } from './quantize';
import { downloadVariant } from './download';
import { toggleBits } from './config';
import { setLoadCheck } from './check-variant';

const file = (name: string) => new File([new Uint8Array(8)], name);
const V8 = 'w8-sym-channel';
const V4 = 'w4-sym-channel';
const flush = () => new Promise<void>((r) => setTimeout(r, 0));

let fake: FakeQuantizeApi;
let terminations = 0;

beforeEach(() => {
  appStore.setState(initialState(), true);
  fake = new FakeQuantizeApi();
  terminations = 0;
  setLoadCheck(async () => {}); // onnxruntime's load check: faults.test.ts
  setQuantizeBridge(
    new InProcessBridge<QuantizeApi>(fake.api, () => {
      terminations++;
      fake.restart();
    }),
  );
});
afterEach(() => {
  setQuantizeBridge(undefined);
  setLoadCheck(undefined);
});

async function loadModel(name = 'model.onnx') {
  await openFiles([file(name)]);
  expect(appStore.getState().model.status).toBe('ready');
}

describe('open', () => {
  it('opens a model and selects its largest weight', async () => {
    await loadModel();
    const s = appStore.getState();
    expect(selectLoaded(s)?.summary.fileName).toBe('model.onnx');
    expect(s.selectedWeight).toBe('big');
  });

  it('passes files dropped with the model as sidecars', () => {
    const picked = splitModelFiles([file('weights.bin'), file('m.onnx'), file('extra.data')]);
    expect(picked?.model.name).toBe('m.onnx');
    expect(picked?.sidecars.map((f) => f.name)).toEqual(['weights.bin', 'extra.data']);
  });

  it('ignores a load that a newer one superseded (stale load id), and closes it in the worker', async () => {
    let release!: () => void;
    fake.openGates.set('slow.onnx', new Promise<void>((r) => (release = r)));
    const slow = openFiles([file('slow.onnx')]);
    await openFiles([file('fast.onnx')]);
    release();
    await slow;
    expect(selectLoaded(appStore.getState())?.fileName).toBe('fast.onnx');
    expect(fake.calls.some((c) => c.startsWith('close:') && c.includes('m'))).toBe(true);
  });

  it('a failed load keeps the previous model and its variants', async () => {
    await loadModel();
    await quantizeSelected();
    await openFiles([file('bad.onnx')]);
    const s = appStore.getState();
    expect(s.model).toMatchObject({
      status: 'error',
      fileName: 'bad.onnx',
      error: { name: 'OnnxParseError' },
    });
    expect(selectLoaded(s)?.fileName).toBe('model.onnx');
    expect(s.variants[V8].run.status).toBe('done');
  });
});

describe('quantize', () => {
  it('runs one job per chosen bit width', async () => {
    await loadModel();
    await quantizeSelected();
    const s = appStore.getState();
    expect(s.variantOrder).toEqual([V8, V4]);
    expect(s.variants[V8].run.status).toBe('done');
    expect(s.variants[V4].run.status).toBe('done');
    expect(s.batch.status).toBe('idle');
  });

  it('ignores progress from a stale job', async () => {
    await loadModel();
    fake.manual = true;
    toggleBits(4, false);
    const first = quantizeSelected();
    const job = await fake.nextPending();
    job.finish();
    await first;
    // A stale job's callback fires after the variant moved on: it must not touch the done state.
    job.onProgress?.({ status: 'quantizing', fraction: 0.9, tensor: 'big' });
    expect(appStore.getState().variants[V8].run.status).toBe('done');
  });

  it('cancel stops the batch cooperatively and leaves no running or queued variant', async () => {
    await loadModel();
    fake.manual = true;
    const batch = quantizeSelected();
    const job = await fake.nextPending();
    expect(appStore.getState().variants[V8].run.status).toBe('running');
    await cancelQuantize();
    await batch;
    const s = appStore.getState();
    expect(fake.calls).toContain(`cancel:${job.runId}`);
    expect(s.batch.status).toBe('idle');
    expect(s.variantOrder).toEqual([]); // neither had a result before
    expect(terminations).toBe(0); // the worker answered: no restart
    expect(selectLoaded(s)).not.toBeNull();
  });

  it('cancel keeps the previous result of a re-run variant', async () => {
    await loadModel();
    await quantizeSelected();
    const before = resultOf(appStore.getState().variants[V8]);
    fake.manual = true;
    const batch = quantizeSelected();
    await fake.nextPending();
    await cancelQuantize();
    await batch;
    const v = appStore.getState().variants[V8];
    expect(v.run).toEqual({ status: 'done', summary: before });
  });

  it('terminates the worker when it does not answer a cancel', async () => {
    await loadModel();
    fake.manual = true;
    fake.answersCancel = false;
    const batch = quantizeSelected();
    await fake.nextPending();
    await cancelQuantize();
    await batch;
    expect(terminations).toBe(1);
    expect(appStore.getState().batch.status).toBe('idle');
  });

  it('a failed re-run keeps the earlier result, and other variants are not lost', async () => {
    await loadModel();
    await quantizeSelected();
    const before = resultOf(appStore.getState().variants[V8]);
    fake.failFor.set('8', Object.assign(new Error('NaN in big'), { name: 'WeightValueError' }));
    await quantizeSelected();
    const s = appStore.getState();
    expect(s.variants[V8].run).toMatchObject({
      status: 'error',
      error: { name: 'WeightValueError' },
      last: before,
    });
    expect(resultOf(s.variants[V8])).toEqual(before);
    expect(s.variants[V4].run.status).toBe('done');
  });

  it('re-opens the model and retries once after a worker restart (ModelNotLoadedError)', async () => {
    await loadModel();
    fake.restart();
    await quantizeSelected();
    const s = appStore.getState();
    expect(s.variants[V8].run.status).toBe('done');
    expect(fake.calls.filter((c) => c.startsWith('open:'))).toHaveLength(2);
  });

  it('remove drops the variant and its run in the worker', async () => {
    await loadModel();
    await quantizeSelected();
    const runId = resultOf(appStore.getState().variants[V4])?.runId;
    removeVariant(V4);
    await flush();
    expect(appStore.getState().variantOrder).toEqual([V8]);
    expect(fake.calls).toContain(`dropRun:${runId}`);
  });
});

describe('download', () => {
  it('exports once into a Blob whose size is the one shown, named after the model and config', async () => {
    await loadModel('mnist.onnx');
    await quantizeSelected();
    await downloadVariant(V4);
    const d = appStore.getState().downloads[V4];
    expect(d).toMatchObject({ status: 'ready', fileName: 'mnist_w4_channel.onnx' });
    expect(d.status === 'ready' && d.bytes).toBe(resultOf(appStore.getState().variants[V4])?.fileBytesAfter);
  });

  it('restores a run the restarted worker lost before exporting it', async () => {
    await loadModel();
    await quantizeSelected();
    fake.restart();
    await downloadVariant(V8);
    expect(appStore.getState().downloads[V8]?.status).toBe('ready');
  });
});
