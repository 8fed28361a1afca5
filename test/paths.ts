import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root and the read-only shared folder beside it (models, research). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = resolve(REPO_ROOT, '../shared');
export const SHARED_MODELS = resolve(SHARED, 'models');
export const sharedModel = (...parts: string[]) => resolve(SHARED_MODELS, ...parts);
