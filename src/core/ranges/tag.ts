import type { QuantConfig } from '../quant/config';

/**
 * Short id parts for the range and budget choices of a config, e.g. ['mse', 'cle', 'mix4.5b'] (none for plain
 * round-to-nearest), so variants that differ only in them get different ids and names.
 */
export function rangeIdParts(
  c: Pick<QuantConfig, 'clip' | 'clipPercentile' | 'equalize' | 'mixed'>,
): string[] {
  const parts: string[] = [];
  if (c.clip === 'mse') parts.push('mse');
  if (c.clip === 'percentile') parts.push(`p${c.clipPercentile}`);
  if (c.equalize) parts.push('cle');
  if (c.mixed?.targetBits !== undefined) parts.push(`mix${c.mixed.targetBits}b`);
  else if (c.mixed?.targetBytes !== undefined) parts.push(`mix${c.mixed.targetBytes}B`);
  return parts;
}

/** The same as readable label parts, e.g. ['MSE clip', 'CLE', 'mixed 4.5 bits']. */
export function rangeLabelParts(
  c: Pick<QuantConfig, 'clip' | 'clipPercentile' | 'equalize' | 'mixed'>,
): string[] {
  const parts: string[] = [];
  if (c.clip === 'mse') parts.push('MSE clip');
  if (c.clip === 'percentile') parts.push(`clip p${c.clipPercentile}`);
  if (c.equalize) parts.push('CLE');
  if (c.mixed?.targetBits !== undefined) parts.push(`mixed ${c.mixed.targetBits} bits`);
  else if (c.mixed?.targetBytes !== undefined) parts.push(`mixed ≤ ${c.mixed.targetBytes} B`);
  return parts;
}
