// What the UI calls the evaluation modes (the modes themselves are defined in protocol/eval-dto.ts).
import type { EvalMode } from '../../../protocol/eval-dto';

/** Short UI labels for the modes. */
export const EVAL_MODE_LABELS: Readonly<Record<EvalMode, string>> = {
  exact: 'exact weight-only',
  deployed: 'as deployed',
};

/** One-line explanations for tooltips. */
export const EVAL_MODE_HINTS: Readonly<Record<EvalMode, string>> = {
  exact:
    'Quantized weights, float activations: onnxruntime folds DequantizeLinear to float32 at load (disable_quant_qdq=1), so only the weight rounding is measured.',
  deployed:
    "onnxruntime's default settings, as an app would run the file: DequantizeLinear→MatMul may become MatMulNBits with int8-quantized activations, which adds error of its own.",
};
