import type { RoundingMethod } from '../../core/gptq/result';
import type { ClipMethod, LayerOverride, Bits, QuantConfig } from '../../core/quant/config';
import { getState, setState } from '../store';

/** Change global settings (not per-layer ones). Bits is chosen per variant, see `toggleBits`. */
export function setConfig(patch: Partial<Omit<QuantConfig, 'layers'>>): void {
  setState((s) => ({ config: { ...s.config, ...patch } }));
}

export function toggleBits(bits: Bits, on: boolean): void {
  setState((s) => {
    const has = s.chosenBits.includes(bits);
    if (on === has) return {};
    return { chosenBits: on ? [...s.chosenBits, bits] : s.chosenBits.filter((p) => p !== bits) };
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
export function setLayerIncluded(name: string, included: boolean, optIn = false): void {
  // Opt-in weights (Gather tables) need an explicit `skip: false` to be quantized without --include-gather.
  updateLayer(name, (o) => ({ ...o, skip: included ? (optIn ? false : undefined) : true }));
}

/** Give one weight its own bit width (null: use each variant's). */
export function setLayerBits(name: string, bits: Bits | null): void {
  updateLayer(name, (o) => ({ ...o, bits: bits ?? undefined }));
}

/** Give one weight its own clip range method (null: use the global one). Saved in the recipe's `layers`. */
export function setLayerClip(name: string, clip: ClipMethod | null): void {
  updateLayer(name, (o) => ({ ...o, clip: clip ?? undefined }));
}

/** Give one weight its own rounding method (null: the global one). Saved in the recipe's `layers`. */
export function setLayerMethod(name: string, method: RoundingMethod | null): void {
  updateLayer(name, (o) => ({ ...o, method: method ?? undefined }));
}

export function clearLayerOverrides(): void {
  if (Object.keys(getState().config.layers).length === 0) return;
  setState((s) => ({ config: { ...s.config, layers: {} } }));
}
