import type { EvalReport, LatencyStats } from '../../../../protocol/eval-dto';
import { formatCount } from '../../../format';
import { runtimeLabel } from '../eval-format';

/** How the latency column was measured: runs, warm-up, batch, backend and threads, and what it does not mean. */
export function LatencyNote({ report }: { report: EvalReport }) {
  const all: LatencyStats[] = [
    report.float.timing.latency,
    ...report.variants.flatMap((v) => [v.exact?.timing.latency, v.deployed?.timing.latency]),
  ].filter((l): l is LatencyStats => !!l);
  if (all.length === 0) return null;
  const l = all[0];
  const runtime = runtimeLabel(report.runtime, true);
  const exact = report.modes.includes('exact');
  return (
    <p className="small muted" data-testid="latency-note">
      Latency: median per sample of {formatCount(Math.min(...all.map((a) => a.runs)))}
      {all.some((a) => a.runs !== l.runs) ? '+' : ''} timed runs of {formatCount(l.samplesPerRun)} sample
      {l.samplesPerRun === 1 ? '' : 's'} per model after {l.warmupRuns} warm-up runs,{' '}
      {l.interleaved
        ? 'the models taking turns (float, variants, float, …) so drift hits all alike'
        : 'each model timed on its own (too large to hold together)'}
      ; small figures are the interquartile range. On {runtime}.
      {exact &&
        ' Exact weight-only runs dequantize the weights to float at load, so they run at float speed: fewer bits make the file smaller, not faster.'}
    </p>
  );
}
