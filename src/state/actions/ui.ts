import type { ErrorMetric, HistogramScale, Theme } from '../types';
import type { WeightSortKey } from '../slices';
import type { SizeQualityAxis } from '../eval-slice';
import { getState, setState } from '../store';

export const selectWeight = (name: string | null) => setState({ selectedWeight: name });
export const setTheme = (theme: Theme | null) => setState({ theme });
/** Flip the theme the user currently sees (which may come from the system setting). */
export const toggleTheme = (effective: Theme) => setTheme(effective === 'dark' ? 'light' : 'dark');
export const setHistogramScale = (histogramScale: HistogramScale) => setState({ histogramScale });
export const setErrorMetric = (errorMetric: ErrorMetric) => setState({ errorMetric });
export const setWeightsFilter = (weightsFilter: string) => setState({ weightsFilter });

/** Click on a column: sort by it, or flip the direction when it is already the sort column. */
export function sortWeightsBy(key: WeightSortKey): void {
  const cur = getState().weightsSort;
  const dir =
    cur.key === key ? (cur.dir === 'asc' ? 'desc' : 'asc') : key === 'name' || key === 'op' ? 'asc' : 'desc';
  setState({ weightsSort: { key, dir } });
}

export const setCompare = (side: 'a' | 'b', variantId: string | null) =>
  setState((s) => ({ compare: { ...s.compare, [side]: variantId } }));

export const setSizeQualityAxis = (sizeQualityAxis: SizeQualityAxis) => setState({ sizeQualityAxis });
