import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { Layout, PlotData, PlotMouseEvent } from 'plotly.js/lib/core';
import { useEffectiveTheme } from '../hooks/useEffectiveTheme';
import { PLOT_CONFIG, themedLayout } from './plot-theme';
import { escapeTraces, unescapePoint } from './plot-text';
import { enqueueDraw, loadPlotly, loadedPlotly } from './plotly-loader';

export interface PlotProps {
  /** data-testid of the plotly element; tests read `el.data` from it. */
  testId: string;
  /** Accessible description of what the plot shows. */
  label: string;
  data: PlotData[];
  layout?: Layout;
  height?: number;
  /** Shown instead of the plot when there is nothing to draw. */
  emptyText?: string;
  /** The data is still being computed (keeps the previous plot, dimmed). */
  pending?: boolean;
  onPointClick?: (ev: PlotMouseEvent) => void;
}

/** Margin around the viewport within which plots draw (so they are ready just before they scroll in). */
const NEAR_VIEWPORT = '300px';

/** Whether the element is on screen or near it; true where IntersectionObserver is missing. */
function useNearViewport(ref: RefObject<HTMLElement | null>): boolean {
  const [near, setNear] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const io = new IntersectionObserver((entries) => setNear(entries.some((e) => e.isIntersecting)), {
      rootMargin: NEAR_VIEWPORT,
    });
    io.observe(el);
    return () => io.disconnect();
  }, [ref]);
  return near;
}

/**
 * A plotly.js chart: lazy-loads plotly, draws with `Plotly.react` (cheap updates), follows the light/dark theme,
 * draws only when on or near the screen (plotly drawing is main-thread work), and purges on unmount.
 * `data-status` is `ready` once the current data is drawn.
 */
export function Plot({
  testId,
  label,
  data,
  layout,
  height = 300,
  emptyText,
  pending,
  onPointClick,
}: PlotProps) {
  const ref = useRef<HTMLDivElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const visible = useNearViewport(boxRef);
  const theme = useEffectiveTheme();
  const [drawn, setDrawn] = useState<{ data: PlotData[]; theme: string } | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const clickRef = useRef(onPointClick);
  useLayoutEffect(() => {
    clickRef.current = onPointClick;
  }, [onPointClick]);
  const empty = data.length === 0;

  // What is on the canvas now: scrolling away and back must not draw the same plot again (a long task per plot).
  const onCanvas = useRef<{ data: PlotData[]; layout?: Layout; theme: string; height: number } | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el || empty || !visible) return; // off-screen plots draw when they scroll into view
    const last = onCanvas.current;
    if (
      last &&
      last.data === data &&
      last.layout === layout &&
      last.theme === theme &&
      last.height === height
    )
      return;
    let live = true;
    loadPlotly()
      .then((Plotly) =>
        enqueueDraw(async () => {
          if (!live) return;
          try {
            const t0 = performance.now();
            const gd = await Plotly.react(
              el,
              escapeTraces(data),
              themedLayout(theme, { height, ...layout }),
              PLOT_CONFIG,
            );
            // A user-timing entry per draw: the long-tasks e2e names the plot behind a long task with it.
            performance.measure(`plot ${testId}`, { start: t0 });
            onCanvas.current = { data, layout, theme, height };
            if (!live) return;
            if (!gd.dataset.clickBound) {
              gd.dataset.clickBound = '1';
              gd.on('plotly_click', (ev) =>
                clickRef.current?.({ ...ev, points: ev.points.map(unescapePoint) }),
              );
            }
            setDrawn({ data, theme });
            setFailed(null);
          } catch (e) {
            if (live) setFailed(e instanceof Error ? e.message : String(e));
          }
        }),
      )
      .catch((e: unknown) => live && setFailed(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [data, layout, theme, height, empty, visible, testId]);

  // Purge on unmount (or when the plot becomes empty), so plotly's listeners and WebGL contexts go away.
  useEffect(() => {
    const el = ref.current;
    if (!el || !empty) return;
    void loadedPlotly()?.then((Plotly) => Plotly.purge(el));
    delete el.dataset.clickBound;
    onCanvas.current = null;
    setDrawn(null);
  }, [empty]);
  useEffect(() => {
    const el = ref.current;
    // plotly's responsive mode follows the window only; follow the container too (grid and sidebar changes).
    // Queued like draws: one layout change resizes every plot, which in one task would be a long one.
    const ro =
      el && typeof ResizeObserver !== 'undefined'
        ? new ResizeObserver(() => {
            if (!el.dataset.clickBound) return;
            enqueueDraw(async () => {
              if (!el.dataset.clickBound) return;
              const t0 = performance.now();
              (await loadPlotly()).Plots.resize(el);
              performance.measure(`resize ${el.dataset.testid}`, { start: t0 }); // like draws: for the e2e
            });
          })
        : undefined;
    if (el) ro?.observe(el);
    return () => {
      ro?.disconnect();
      if (el) void loadedPlotly()?.then((Plotly) => Plotly.purge(el));
    };
  }, []);

  const status = failed ? 'error' : empty ? 'empty' : drawn?.data === data && !pending ? 'ready' : 'loading';
  return (
    <div ref={boxRef} className="plot" style={{ minHeight: height }} data-pending={pending || undefined}>
      <div
        ref={ref}
        className="plot-canvas"
        data-testid={testId}
        data-status={status}
        role="img"
        aria-label={label}
        aria-busy={status === 'loading'}
        style={{ height: empty ? 0 : height }}
      />
      {empty && <p className="plot-empty">{emptyText ?? 'Nothing to show yet.'}</p>}
      {!empty && !drawn && !failed && <p className="plot-empty">Drawing…</p>}
      {failed && <p className="plot-empty plot-failed">Could not draw this plot: {failed}</p>}
    </div>
  );
}
