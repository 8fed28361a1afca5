// Layer names as x tick labels in a narrow plot (side by side): shortened to the telling part and laid out so they
// never overlap — horizontal when they fit, vertical when they do not, none (hover gives names) beyond that.

/** Approximate width of one tick label character and line at plotly's 12 px font. */
const CHAR_PX = 6.6;
const LINE_PX = 16;

/** Where a name may be cut: path-like separators, not '_' or '-' (q_proj / k_proj keep their '_proj'). */
const SEPARATORS = /[./:]/;

/**
 * Drops a suffix (".weight") and a prefix ("model.layers.0.") that every name shares, cut at a separator; when
 * dropping both would leave a name empty or two names equal, only the suffix, then only the prefix, then nothing.
 */
export function trimCommonAffixes(names: readonly string[]): string[] {
  if (names.length < 2) return [...names];
  let suffix = names[0];
  for (const n of names) while (!n.endsWith(suffix)) suffix = suffix.slice(1);
  const cut = suffix.search(SEPARATORS);
  suffix = cut >= 0 ? suffix.slice(cut) : '';
  let prefix = names[0];
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const last = Math.max(-1, ...[...prefix].map((c, i) => (SEPARATORS.test(c) ? i : -1)));
  prefix = prefix.slice(0, last + 1);
  for (const [p, s] of [
    [prefix, suffix],
    ['', suffix],
    [prefix, ''],
  ]) {
    const out = names.map((n) => n.slice(p.length, n.length - s.length));
    if (new Set(out).size === out.length && out.every((n) => n.length > 0)) return out;
  }
  return [...names];
}

export interface TickLayout {
  text: string[];
  angle: 0 | -90;
  show: boolean;
  /** Bottom margin that holds the labels. */
  marginBottom: number;
}

/** Lays out `names` under a plot area about `widthPx` wide; long names are cut from the left to `maxChars`. */
export function compactTicks(names: readonly string[], widthPx: number, maxChars = 22): TickLayout {
  const text = trimCommonAffixes(names).map((n) =>
    n.length > maxChars ? `…${n.slice(-(maxChars - 1))}` : n,
  );
  const longest = Math.max(0, ...text.map((t) => t.length));
  const slot = widthPx / Math.max(1, names.length);
  if (longest * CHAR_PX + 8 <= slot) return { text, angle: 0, show: true, marginBottom: 48 };
  if (LINE_PX <= slot)
    return { text, angle: -90, show: true, marginBottom: 16 + Math.ceil(longest * CHAR_PX) };
  return { text, angle: 0, show: false, marginBottom: 32 };
}
