import { describe, expect, it } from 'vitest';
import { WorkerBridge, WORKER_CRASHED } from './worker-bridge';

interface Api {
  work(): Promise<number>;
}

/** A Worker that receives messages and never answers (a stuck or dead worker). */
class SilentWorker extends EventTarget {
  terminated = false;
  postMessage(): void {}
  terminate(): void {
    this.terminated = true;
  }
}

const setup = () => {
  const workers: SilentWorker[] = [];
  const bridge = new WorkerBridge<Api>(() => {
    const w = new SilentWorker();
    workers.push(w);
    return w as unknown as Worker;
  });
  return { bridge, workers };
};

describe('WorkerBridge', () => {
  it('starts the worker lazily, on first API use', () => {
    const { bridge, workers } = setup();
    expect(workers).toHaveLength(0);
    void bridge.api;
    expect(workers).toHaveLength(1);
  });

  it('rejects in-flight calls when the worker crashes, and starts a fresh one next time', async () => {
    const { bridge, workers } = setup();
    const call = bridge.run(
      new AbortController().signal,
      (api) => api.work(),
      () => {},
    );
    workers[0].dispatchEvent(Object.assign(new Event('error'), { message: 'out of memory' }));
    await expect(call).rejects.toMatchObject({
      name: WORKER_CRASHED,
      message: expect.stringContaining('out of memory'),
    });
    expect(workers[0].terminated).toBe(true);
    expect(bridge.generation).toBe(1);
    void bridge.api;
    expect(workers).toHaveLength(2);
  });

  it('rejects at once on abort and runs onAbort', async () => {
    const { bridge } = setup();
    const ctl = new AbortController();
    let aborted = false;
    const call = bridge.run(
      ctl.signal,
      (api) => api.work(),
      () => (aborted = true),
    );
    ctl.abort(new DOMException('stop', 'AbortError'));
    await expect(call).rejects.toMatchObject({ name: 'AbortError' });
    expect(aborted).toBe(true);
  });

  it('terminates when a cooperative cancel is not answered in time', async () => {
    const { bridge, workers } = setup();
    void bridge.api;
    const never = new Promise<void>(() => {});
    const answered = await bridge.cancelOrTerminate(never, async () => {}, 20);
    expect(answered).toBe(false);
    expect(workers[0].terminated).toBe(true);
  });

  it('does not terminate when the task settles after the cancel', async () => {
    const { bridge, workers } = setup();
    void bridge.api;
    let settle!: () => void;
    const task = new Promise<void>((r) => (settle = r));
    const answered = await bridge.cancelOrTerminate(task, async () => settle(), 1000);
    expect(answered).toBe(true);
    expect(workers[0].terminated).toBe(false);
  });
});
