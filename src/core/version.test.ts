import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { STUDIO_VERSION } from './version';

it('is the version in package.json', () => {
  expect(STUDIO_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
});
