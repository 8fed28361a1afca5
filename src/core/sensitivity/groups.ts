// Fewer models for large networks, with the user's consent: measure a sample of the layers, or whole blocks
// (every weight of a block quantized together, one model per block).
import { StudioError } from '../errors';
import type { WeightInfo } from '../onnx/types';

/** What one measured model quantizes: one layer, or every layer of a block. */
export interface MeasuredUnit {
  /** The layer's weight name, or the block's name. */
  name: string;
  weights: WeightInfo[];
}

/** How to reduce the number of measured models: `sample` N layers, or `block` groups. */
export type LayerSelection = { sample: number } | { groupBy: 'block' };

const INDEXED = /\d/;

/**
 * The block a weight belongs to: the consumer's node path up to its first indexed component
 * (`/layers.3/attn/MatMul` → `/layers.3`, `/features/features.1/Conv` → `/features/features.1`), else the weight
 * name up to its first numeric part (`encoder.layer.3.attn.weight` → `encoder.layer.3`); a layer outside any
 * indexed block (a head, a stem) is its own block.
 */
export function blockOf(w: Pick<WeightInfo, 'name' | 'node'>): string {
  const path = w.node.split('/').filter(Boolean);
  if (path.length > 1) {
    const at = path.findIndex((p) => INDEXED.test(p));
    if (at >= 0 && at < path.length - 1) return '/' + path.slice(0, at + 1).join('/');
  }
  const parts = w.name.split('.');
  const at = parts.findIndex((p) => /^\d+$/.test(p));
  return at > 0 && at < parts.length - 1 ? parts.slice(0, at + 1).join('.') : w.name;
}

/** `n` layers spread evenly over the graph order (first and last included): deterministic, not biased to one end. */
export function sampleEvenly<T>(items: readonly T[], n: number): T[] {
  if (!Number.isInteger(n) || n < 1) {
    throw new StudioError('QuantConfigError', `layer sample must be a positive integer, got ${n}`);
  }
  if (n >= items.length) return [...items];
  if (n === 1) return [items[0]];
  const picked = new Set<number>();
  for (let k = 0; k < n; k++) picked.add(Math.round((k * (items.length - 1)) / (n - 1)));
  return [...picked].map((i) => items[i]);
}

/** The units a run measures, in graph order. Blocks keep the order of their first layer. */
export function measuredUnits(targets: readonly WeightInfo[], selection?: LayerSelection): MeasuredUnit[] {
  if (!selection) return targets.map((w) => ({ name: w.name, weights: [w] }));
  if ('sample' in selection)
    return sampleEvenly(targets, selection.sample).map((w) => ({ name: w.name, weights: [w] }));
  const blocks = new Map<string, WeightInfo[]>();
  for (const w of targets) {
    const b = blockOf(w);
    blocks.set(b, [...(blocks.get(b) ?? []), w]);
  }
  return [...blocks].map(([name, weights]) =>
    weights.length === 1 ? { name: weights[0].name, weights } : { name, weights },
  );
}
