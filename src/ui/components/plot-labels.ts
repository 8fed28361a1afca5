// Room for tick labels. The theme turns plotly's automargin off (it measures and redraws several times on the main
// thread), so plots with long category names size their margins from the names instead.

/** Width of `text` in px at font size `size`: on the wide side for Inter / system-ui, so a margin from it holds. */
export const labelWidthPx = (text: string, size = 12): number => Math.ceil(text.length * size * 0.62);

/** Height of one line of tick text at font size `size`. */
const lineHeight = (size: number) => Math.ceil(size * 1.3);

/** Axis title band (12 px title and its gap to the tick labels). */
export const TITLE_BAND = 26;

export interface CategoryTicks {
  /** Tick angle for the x axis: 0, or -45 when the names would collide side by side. */
  angle: number;
  /** Bottom margin for x tick labels at that angle, plus the axis title band. */
  bottom: number;
  /** Left margin for the same names as y tick labels, plus the axis title band. */
  left: number;
  /** How far rotated x labels reach left of the first tick (the left margin must cover it). */
  overhangLeft: number;
}

/**
 * Angle and margins for category tick labels. `slotPx` is the width each category gets on the x axis (a guess is
 * fine: rotating a little early costs only some height).
 */
export function categoryTicks(labels: readonly string[], slotPx: number, size = 12): CategoryTicks {
  const longest = Math.max(0, ...labels.map((l) => labelWidthPx(l, size)));
  const pad = 8;
  const rotate = longest + pad > slotPx;
  const h = lineHeight(size);
  const diag = Math.SQRT1_2;
  const reach = rotate ? Math.ceil((longest + h) * diag) : h;
  return {
    angle: rotate ? -45 : 0,
    bottom: reach + pad + TITLE_BAND,
    left: longest + pad + TITLE_BAND,
    overhangLeft: rotate ? Math.ceil(longest * diag - slotPx / 2) + pad : 0,
  };
}
