import { ALL_BITS, type Bits, type QuantConfig } from '../core/quant/config';

/** Short, stable hash (FNV-1a, base 36) for config parts that have no readable name. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(36).slice(0, 5);
}

const sortedLayers = (config: QuantConfig): string =>
  JSON.stringify(
    Object.keys(config.layers)
      .sort()
      .map((k) => [k, config.layers[k]]),
  );

/** Everything in a config except the bit width, as a key (error curves vary it themselves). */
export function configKeyWithoutBits(config: QuantConfig): string {
  const { scheme, granularity, blockSize, format, includeGather } = config;
  const method = config.method === 'rtn' ? '' : `|${config.method}`; // rtn keys stay as they were
  return `${scheme}|${granularity}|${granularity === 'block' ? blockSize : ''}|${format}|${includeGather}|${shortHash(sortedLayers(config))}${method}`;
}

/** A readable, deterministic id for a variant, e.g. `w4-sym-channel`, `w4-asym-block32`, `fp16`. */
export function variantIdOf(config: QuantConfig): string {
  const hasOverrides = Object.keys(config.layers).length > 0;
  const suffix = [
    config.method !== 'rtn' && config.bits !== 'fp16' ? config.method : '',
    config.format !== 'auto' ? config.format : '',
    config.includeGather ? 'gather' : '',
    hasOverrides ? `o${shortHash(sortedLayers(config))}` : '',
  ]
    .filter(Boolean)
    .map((s) => `-${s}`)
    .join('');
  if (config.bits === 'fp16') return `fp16${suffix}`;
  const scheme = config.scheme === 'symmetric' ? 'sym' : 'asym';
  const gran = config.granularity === 'block' ? `block${config.blockSize}` : config.granularity;
  return `w${config.bits}-${scheme}-${gran}${suffix}`;
}

export const bitsLabel = (p: Bits): string => (p === 'fp16' ? 'fp16' : `${p}-bit`);

/** Sort chosenBits the way the UI lists them: fp16 first, then widest to narrowest. */
export const sortBits = (ps: readonly Bits[]): Bits[] =>
  ALL_BITS.filter((p) => ps.includes(p)).sort((a, b) => rank(b) - rank(a));

const rank = (p: Bits): number => (p === 'fp16' ? 16 : p);

/** File name of a variant's download: `<model>_w<bits>_<granularity>.onnx`, `<model>_fp16.onnx`. */
export function downloadFileName(modelFileName: string, config: QuantConfig): string {
  const stem = modelFileName.replace(/\.onnx$/i, '').replace(/[^\w.-]+/g, '_') || 'model';
  if (config.bits === 'fp16') return `${stem}_fp16.onnx`;
  const gran = config.granularity === 'block' ? `block${config.blockSize}` : config.granularity;
  const asym = config.scheme === 'asymmetric' ? '_asym' : '';
  const method = config.method === 'rtn' ? '' : `_${config.method}`;
  return `${stem}_w${config.bits}_${gran}${asym}${method}.onnx`;
}
