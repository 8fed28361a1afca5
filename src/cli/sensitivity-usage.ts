// What main.ts needs of `qstudio sensitivity` before it runs (sensitivity.ts loads onnxruntime-web).

/** Bad flags (exit code 2). */
export class SensitivityUsageError extends Error {}

export const SENSITIVITY_USAGE = `  qstudio sensitivity <model.onnx> [--calibration FILE|FOLDER [--calibration-count N (default 64)]]
                   [--bits 2..8|fp16 (default 4)] [--granularity channel|tensor|block] [--block-size 32]
                   [--scheme symmetric|asymmetric] [--clip minmax|mse|percentile] [--clip-percentile 99.9]
                   [--equalize] [--recipe recipe.json (its per-layer settings; widths: --bits)]
                   [--layers N (an even sample of N layers) | --group-by block (one model per block)]
                   [--include-gather] [--json]
                   (each layer quantized alone, others float: output KL, top-1 agreement, output SQNR vs float,
                   ranked, beside the weight-SQNR proxy; no --calibration: the synthetic probe, labelled so)`;
