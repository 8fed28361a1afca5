import type { RoundingMethod } from '../core/gptq/result';

/** How the UI names each rounding method (weights table, variant rows). */
export const METHOD_LABELS: Record<RoundingMethod, string> = {
  rtn: 'RTN',
  gptq: 'GPTQ',
  adaround: 'AdaRound',
};
