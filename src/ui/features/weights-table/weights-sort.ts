import type { WeightInfo } from '../../../protocol/dto';
import type { WeightSortKey } from '../../../state';

/** Filter by name/op/initializer (case-insensitive) and sort; `order` keeps the model's order. */
export function filterAndSort(
  weights: readonly WeightInfo[],
  filter: string,
  sort: { key: WeightSortKey; dir: 'asc' | 'desc' },
): WeightInfo[] {
  const q = filter.trim().toLowerCase();
  const rows = q
    ? weights.filter(
        (w) =>
          w.name.toLowerCase().includes(q) ||
          w.op.toLowerCase().includes(q) ||
          w.initializer.toLowerCase().includes(q),
      )
    : [...weights];
  if (sort.key === 'order') return sort.dir === 'asc' ? rows : rows.reverse();
  const sign = sort.dir === 'asc' ? 1 : -1;
  const cmp = (a: WeightInfo, b: WeightInfo): number => {
    switch (sort.key) {
      case 'name':
        return a.name.localeCompare(b.name);
      case 'op':
        return a.op.localeCompare(b.op) || a.name.localeCompare(b.name);
      case 'elements':
        return a.elements - b.elements;
      case 'bytes':
        return a.bytes - b.bytes;
      default:
        return 0;
    }
  };
  return rows.sort((a, b) => sign * cmp(a, b));
}
