import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestModels } from './data/derive';

/** Repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The committed test models and compact data sources (provenance and licences: test/data/README.md). */
export const TEST_DATA_MODELS = resolve(REPO_ROOT, 'test/data/models');
/** Gitignored: the committed files plus the sample sets derived from them (test/data/derive.ts). */
export const TEST_DATA_CACHE = resolve(REPO_ROOT, 'node_modules/.cache/qstudio-test');

let models: string | undefined;
/** A path in the assembled test-model folder (built on first use, then reused by every test file and run). */
export const testModel = (...parts: string[]) =>
  resolve((models ??= ensureTestModels(TEST_DATA_MODELS, TEST_DATA_CACHE)), ...parts);

/** A path in the committed trained fixtures, test/fixtures/models/<model>/ (test/fixtures/models/README.md). */
export const fixtureModel = (model: string, path = '') =>
  resolve(REPO_ROOT, 'test/fixtures/models', model, path);
