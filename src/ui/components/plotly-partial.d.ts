// Minimal typings for the parts of plotly.js-cartesian-dist-min we use (the package ships none).
declare module 'plotly.js-cartesian-dist-min' {
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
  const Plotly: { react: typeof react; purge: typeof purge; Plots: typeof Plots };
  export default Plotly;
}
