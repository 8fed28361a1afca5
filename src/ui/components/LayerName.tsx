import { Fragment } from 'react';

/** Names longer than this keep their start and end around a middle ellipsis (the end tells layers apart). */
export const LAYER_NAME_MAX = 40;

/** `name` cut to `max` characters in the middle: `model.layers.11.…/q_proj/MatMul.weight`. */
export function middleEllipsis(name: string, max = LAYER_NAME_MAX): string {
  if (name.length <= max) return name;
  const tail = Math.ceil((max - 1) / 2);
  return `${name.slice(0, max - 1 - tail)}…${name.slice(name.length - tail)}`;
}

/**
 * A tensor or node name that wraps at its separators (`.`, `/`, `_`, `:`) instead of being cut at the end, with a
 * middle ellipsis past LAYER_NAME_MAX characters; the full name is in the tooltip.
 */
export function LayerName({ name, title, testId }: { name: string; title?: string; testId?: string }) {
  const parts = middleEllipsis(name).split(/(?<=[./_:…-])/);
  return (
    <code className="layer-name" title={title ?? name} data-testid={testId} data-name={name}>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {p}
        </Fragment>
      ))}
    </code>
  );
}
