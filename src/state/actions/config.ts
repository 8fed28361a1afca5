import type { LayerOverride, Precision, QuantConfig } from '../../core/quant/config';
import { getState, setState } from '../store';

/** Change global settings (not per-layer ones). Precision is chosen per variant, see `togglePrecision`. */
export function setConfig(patch: Partial<Omit<QuantConfig, 'layers'>>): void {
  setState((s) => ({ config: { ...s.config, ...patch } }));
}

export function togglePrecision(precision: Precision, on: boolean): void {
  setState((s) => {
    const has = s.precisions.includes(precision);
    if (on === has) return {};
    return { precisions: on ? [...s.precisions, precision] : s.precisions.filter((p) => p !== precision) };
  });
}

function updateLayer(name: string, update: (o: LayerOverride) => LayerOverride): void {
  setState((s) => {
    const next = update({ ...s.config.layers[name] });
    const layers = { ...s.config.layers };
    for (const k of Object.keys(next) as (keyof LayerOverride)[]) if (next[k] === undefined) delete next[k];
    if (Object.keys(next).length === 0) delete layers[name];
    else layers[name] = next;
    return { config: { ...s.config, layers } };
  });
}

/** Include a weight in quantization (default) or leave it in float. */
export function setLayerIncluded(name: string, included: boolean): void {
  updateLayer(name, (o) => ({ ...o, skip: included ? undefined : true }));
}

/** Give one weight its own precision (null: use each variant's). */
export function setLayerPrecision(name: string, precision: Precision | null): void {
  updateLayer(name, (o) => ({ ...o, precision: precision ?? undefined }));
}

export function clearLayerOverrides(): void {
  if (Object.keys(getState().config.layers).length === 0) return;
  setState((s) => ({ config: { ...s.config, layers: {} } }));
}
