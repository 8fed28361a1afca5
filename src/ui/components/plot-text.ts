// plotly renders a subset of HTML (<b>, <br>, <a href>, <span style>, entities) in labels, tick labels, legend
// entries and hovers. Strings from a model (tensor, node, output, class names) are data, not markup: escape them
// before plotly sees them so `<img onerror=…>` shows as those characters. Templates (hovertemplate, texttemplate)
// and layouts are ours and keep their markup.

/** Escapes the three characters plotly's pseudo-HTML parser reacts to; plotly turns the entities back into text. */
export const escapePlotText = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const unescapePlotText = (s: string): string =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Every string in a (nested) array or a plain value, escaped; numbers and other values unchanged. */
function escapeDeep(v: unknown, fn: (s: string) => string): unknown {
  if (typeof v === 'string') return fn(v);
  if (Array.isArray(v)) return v.map((x) => escapeDeep(x, fn));
  return v;
}

/** Trace fields that carry data strings (category values, names, per-point text, values hovers interpolate). */
const DATA_FIELDS = ['name', 'x', 'y', 'z', 'text', 'hovertext', 'customdata', 'labels', 'ids'] as const;

/** A copy of the traces with every data string escaped (the input is left as it is: the store owns it). */
export function escapeTraces<T extends object>(data: readonly T[]): T[] {
  return data.map((trace) => {
    const out = { ...trace } as Record<string, unknown>;
    for (const key of DATA_FIELDS) if (key in out) out[key] = escapeDeep(out[key], escapePlotText);
    return out as T;
  });
}

/** Undo escapeTraces on a clicked point's values, so handlers look weights up by their real names. */
export function unescapePoint<T extends object>(point: T): T {
  const out = { ...point } as Record<string, unknown>;
  for (const key of ['x', 'y', 'z', 'text', 'customdata', 'label'])
    if (key in out) out[key] = escapeDeep(out[key], unescapePlotText);
  return out as T;
}
