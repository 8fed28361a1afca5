import { describe, expect, it } from 'vitest';
import type { HistogramDto } from '../../../protocol/dto';
import { MAX_GRID_POINTS, gridShapes, histogramTraces, type VariantHistogram } from './histogram-traces';

const hist = (bins: number, grid: number | null, quantized = true): HistogramDto => ({
  edges: Float32Array.from({ length: bins + 1 }, (_, i) => -1 + (2 * i) / bins),
  float: Uint32Array.from({ length: bins }, (_, i) => (i % 4 === 0 ? 0 : i)),
  quantized: quantized ? Uint32Array.from({ length: bins }, (_, i) => (i === bins / 2 ? 50 : 0)) : null,
  grid:
    grid === null
      ? null
      : Float32Array.from({ length: grid }, (_, i) => -1 + (2 * i) / Math.max(1, grid - 1)),
  min: -1,
  max: 1,
});

const variant = (label: string, grid: number | null): VariantHistogram => ({
  label,
  color: '#f59e0b',
  runId: label,
  hist: hist(128, grid),
});

describe('histogram traces', () => {
  it.each([
    { scale: 'linear' as const, gaps: 0 },
    { scale: 'log' as const, gaps: 32 },
  ])('float counts are one filled step path ($scale: $gaps empty bins as gaps)', ({ scale, gaps }) => {
    const [float, ...rest] = histogramTraces('w', hist(128, null), [variant('4-bit', 16)], scale, '#94a3b8');
    expect(float).toMatchObject({ type: 'scatter', mode: 'lines', fill: 'tozeroy', meta: { kind: 'float' } });
    expect((float.line as { shape: string }).shape).toBe('hvh');
    expect(float.x).toHaveLength(128);
    expect((float.y as (number | null)[]).filter((y) => y === null)).toHaveLength(gaps);
    expect(float.fillcolor).toBe('rgba(148,163,184,0.55)');
    // One quantized line per variant; the grid is not a trace.
    expect(rest.map((t) => (t.meta as { kind: string }).kind)).toEqual(['quantized']);
  });

  it.each([
    { grids: [16], shapes: 1, segments: [16] },
    { grids: [16, 256], shapes: 2, segments: [16, 256] },
    { grids: [MAX_GRID_POINTS + 1, 16], shapes: 1, segments: [16] },
    { grids: [null, 0], shapes: 0, segments: [] },
  ])('grids $grids: $shapes path shapes, one tick per level', ({ grids, shapes, segments }) => {
    const out = gridShapes(grids.map((g, i) => variant(`v${i}`, g)));
    expect(out).toHaveLength(shapes);
    expect(out.map((s) => (String(s.path).match(/M/g) ?? []).length)).toEqual(segments);
    for (const s of out) expect(s).toMatchObject({ type: 'path', xref: 'x', yref: 'paper' });
  });
});
