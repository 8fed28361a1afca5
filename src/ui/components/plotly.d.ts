// Minimal typings for the parts of plotly.js we use (plotly.js/lib/core and the trace modules ship none; the
// package's own index.d.ts types the full bundle). Types are imported from 'plotly.js/lib/core' everywhere.
declare module 'plotly.js/lib/core' {
  export type Datum = number | string | null;
  export interface PlotData {
    type?: string;
    name?: string;
    x?: readonly Datum[] | ArrayLike<number>;
    y?: readonly Datum[] | ArrayLike<number>;
    [key: string]: unknown;
  }
  export type Layout = Record<string, unknown>;
  export type Config = Record<string, unknown>;
  export interface PlotMouseEvent {
    points: {
      x: Datum;
      y: Datum;
      curveNumber: number;
      pointIndex: number;
      customdata?: unknown;
      data: PlotData;
    }[];
  }
  export interface PlotlyHTMLElement extends HTMLDivElement {
    data: PlotData[];
    layout: Layout;
    on(event: 'plotly_click', handler: (ev: PlotMouseEvent) => void): void;
    removeAllListeners?(event: string): void;
  }
  export function react(
    el: HTMLElement,
    data: PlotData[],
    layout?: Layout,
    config?: Config,
  ): Promise<PlotlyHTMLElement>;
  export function purge(el: HTMLElement): void;
  export const Plots: { resize(el: HTMLElement): void };
  export function register(modules: unknown[]): void;
  const Plotly: { react: typeof react; purge: typeof purge; Plots: typeof Plots; register: typeof register };
  export default Plotly;
}

declare module 'plotly.js/lib/bar' {
  const trace: unknown;
  export default trace;
}
declare module 'plotly.js/lib/heatmap' {
  const trace: unknown;
  export default trace;
}
