// What main.ts needs of `qstudio evaluate` before the command runs: kept apart from evaluate.ts, which loads
// onnxruntime-web, so `qstudio --help` stays fast.

/** Bad flags (exit code 2, like the other commands' usage errors). */
export class EvaluateUsageError extends Error {}

export const EVALUATE_USAGE = `  qstudio evaluate <model.onnx> [--samples PATH] [--variant q.onnx ...] [--mode exact|deployed|both]
                   [--max-samples N] [--iou-threshold T] [--json]
                   (no --samples: a synthetic probe of made-up inputs, labelled so)`;
