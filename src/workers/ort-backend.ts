// onnxruntime-web behind the evaluator's interfaces: a session per model file and mode, its inputs' and outputs'
// specs, runs timed, outputs as float32. Used by the evaluate worker's API (and the CLI through it).
import type * as Ort from 'onnxruntime-web';
import type { InferenceBackend, LoadedModel, TensorSpec } from '../core/eval';
import type { ActivationRunner, CapturedTensor } from '../core/gptq/capture';
import { fromFloat16Array } from '../core/onnx/float16';
import type { WireBlob } from '../protocol/dto';
import type { EvalMode, EvalModelFile } from '../protocol/eval-dto';

/** The parts of onnxruntime-web the evaluator uses (`import * as ort from 'onnxruntime-web/wasm'` fits). */
export type OrtModule = Pick<typeof Ort, 'InferenceSession' | 'Tensor'> & {
  /** Read for the thread count reported with the latency. */
  env?: { wasm?: { numThreads?: number } };
};

/**
 * Session options per mode. `exact` folds DequantizeLinear on constant weights to float32 at load, so the model
 * computes with the dequantized weights in float (docs/onnxruntime-formats.md, section 2); MatMulNBits
 * nodes are not folded but run in float (accuracy_level 0, our exporter's default). `deployed` is onnxruntime's default.
 */
export const SESSION_OPTIONS: Readonly<Record<EvalMode, Ort.InferenceSession.SessionOptions>> = {
  exact: {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { disable_quant_qdq: '1' } },
  },
  deployed: { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3 },
};

/** onnxruntime-web's own cap on its wasm thread pool; its default is min(4, ceil(cores / 2)). */
export const MAX_WASM_THREADS = 4;

/**
 * Wasm threads for a page: none without cross-origin isolation (no SharedArrayBuffer), else half the logical cores
 * (onnxruntime-web's default rule, at most 4): logical cores are often SMT pairs that add little to SIMD kernels,
 * and the page and the rest of the machine keep a core. On a 2-core machine that is 1 thread: 2 were never faster
 * there, and slower when other work took the second core (docs/evaluation-speed.md).
 */
export function wasmThreads(isolated: boolean, cores: number): { threads: number; why: string } {
  if (!isolated) return { threads: 1, why: 'page not cross-origin isolated' };
  const n = Math.max(1, Math.floor(cores) || 1);
  const threads = Math.min(MAX_WASM_THREADS, Math.ceil(n / 2));
  return { threads, why: `half of ${n} logical core${n === 1 ? '' : 's'}, at most ${MAX_WASM_THREADS}` };
}

export const readBytes = async (blob: WireBlob) => new Uint8Array(await blob.arrayBuffer());

function toFloat32(t: Ort.Tensor): Float32Array {
  if (t.type === 'float32') return t.data as Float32Array;
  if (t.type === 'float16') return fromFloat16Array(t.data as Uint16Array);
  return Float32Array.from(t.data as ArrayLike<number>, Number);
}

function specOf(m: Ort.InferenceSession.ValueMetadata): TensorSpec {
  if (!m.isTensor) return { name: m.name, dtype: 'non-tensor', shape: [] };
  return {
    name: m.name,
    dtype: m.type,
    shape: m.shape.map((d) => (typeof d === 'number' && d < 0 ? null : d)),
  };
}

/** One onnxruntime session behind the evaluator's LoadedModel interface. */
export async function openSession(
  ort: OrtModule,
  bytes: Uint8Array,
  externalData: { path: string; data: Uint8Array }[] | undefined,
  mode: EvalMode,
  now: () => number,
): Promise<LoadedModel> {
  const session = await ort.InferenceSession.create(bytes, {
    ...SESSION_OPTIONS[mode],
    ...(externalData ? { externalData } : {}),
  });
  return {
    inputs: session.inputMetadata.map(specOf),
    outputs: session.outputMetadata.map(specOf),
    async run(feeds, outputNames) {
      const tensors = Object.fromEntries(
        Object.entries(feeds).map(([k, f]) => [
          k,
          new ort.Tensor(f.dtype as 'float32', f.data as Float32Array, f.dims),
        ]),
      );
      const t = now();
      const out = await session.run(tensors, outputNames);
      const runMs = now() - t;
      const outputs = Object.fromEntries(
        outputNames.map((k) => [k, { data: toFloat32(out[k]), dims: [...out[k].dims] }]),
      );
      return { outputs, runMs };
    },
    release: () => session.release(),
  };
}

export const readExternal = async (file: EvalModelFile) =>
  file.externalData
    ? await Promise.all(file.externalData.map(async (e) => ({ path: e.path, data: await readBytes(e.blob) })))
    : undefined;

/** onnxruntime behind the evaluator's backend interface; `files` maps model ids to their files. */
export function ortBackend(
  ort: OrtModule,
  files: Map<string, EvalModelFile>,
  now: () => number,
  threadsWhy?: string,
): InferenceBackend {
  return {
    runtime: {
      backend: 'wasm',
      threads: ort.env?.wasm?.numThreads || 1,
      ...(threadsWhy ? { threadsWhy } : {}),
    },
    async load(id, mode): Promise<LoadedModel> {
      const file = files.get(id) as EvalModelFile;
      return openSession(ort, await readBytes(file.blob), await readExternal(file), mode, now);
    },
  };
}

/**
 * Core's ActivationRunner on onnxruntime-web, for calibration capture in the evaluate worker and in the CLI
 * (`wasmRunner`, src/cli/calibration.ts): one runner, so the studio's GPTQ bytes equal the CLI's
 * (src/workers/calibration.api.test.ts).
 */
export function ortActivationRunner(ort: OrtModule): ActivationRunner {
  return {
    async open(model, outputs) {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ['wasm'],
        logSeverityLevel: 3,
      });
      const wanted = session.outputNames.filter((n) => outputs.includes(n));
      return {
        async run(feeds) {
          // Feeds with a dtype (int64 token ids, float16 bits) are already in that type; the rest are float32.
          const inputs = Object.fromEntries(
            Object.entries(feeds).map(([k, v]) => [
              k,
              'dtype' in v
                ? new ort.Tensor(v.dtype as 'float32', v.data as Float32Array, v.dims)
                : new ort.Tensor('float32', v.data, v.dims),
            ]),
          );
          const out = await session.run(inputs, wanted);
          const res: Record<string, CapturedTensor> = {};
          for (const [k, t] of Object.entries(out)) res[k] = { dims: [...t.dims], data: toFloat32(t) };
          return res;
        },
        release: () => session.release(),
      };
    },
  };
}
