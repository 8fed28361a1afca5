/** JSON has no ±Infinity (an exact layer's SQNR): written as the strings "Infinity" / "-Infinity", not null. */
export const jsonNumbers = (_key: string, v: unknown): unknown =>
  typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v) ? String(v) : v;
