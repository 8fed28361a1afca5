// Path helpers for dropped files: '/'-separated, relative, and sorted the way people number files.
import { StudioError } from '../errors';
import type { SampleEntry } from './types';

export const sampleSetError = (message: string, cause?: unknown): StudioError =>
  new StudioError('SampleSetError', message, cause === undefined ? undefined : { cause });

export const normalizePath = (p: string): string => {
  const out: string[] = [];
  for (const part of p.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
};

export const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
export const dirName = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
export const extension = (p: string): string => {
  const b = baseName(p).toLowerCase();
  if (b.endsWith('.gz')) return extension(b.slice(0, -3)) + '.gz';
  const dot = b.lastIndexOf('.');
  return dot <= 0 ? '' : b.slice(dot);
};

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
/** Numeric-aware order: '2' < '10', 'img2.png' < 'img10.png'. */
export const naturalCompare = (a: string, b: string): number =>
  collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

/** OS litter that is never a sample: macOS resource forks, Finder and Explorer metadata, dotfiles. */
export const isJunk = (p: string): boolean =>
  p.split('/').some((part) => part === '__MACOSX' || part.startsWith('.')) ||
  /^(thumbs\.db|desktop\.ini)$/i.test(baseName(p));

/** Common directory of the given paths ('' when they share none). */
export function commonDir(paths: string[]): string {
  if (paths.length === 0) return '';
  let parts = dirName(paths[0]).split('/').filter(Boolean);
  for (const p of paths) {
    const d = dirName(p).split('/').filter(Boolean);
    let i = 0;
    while (i < parts.length && i < d.length && parts[i] === d[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join('/');
}

/** Path relative to `dir` (which must be a prefix directory, '' for none). */
export const relativeTo = (dir: string, p: string): string => (dir === '' ? p : p.slice(dir.length + 1));

export async function readAll(entry: SampleEntry): Promise<Uint8Array> {
  try {
    return await entry.bytes();
  } catch (e) {
    throw sampleSetError(
      `${entry.path}: could not be read (${e instanceof Error ? e.message : String(e)})`,
      e,
    );
  }
}

export const formatCount = (n: number): string => n.toLocaleString('en-US');
