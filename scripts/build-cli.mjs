#!/usr/bin/env node
// Compiles the qstudio CLI (src/cli) to plain JavaScript in dist-cli/ (gitignored), so `qstudio` starts without a
// TypeScript compiler. Runs from `prepare` (npm install / npm ci) and before the CLI tests. Dependencies stay
// external (resolved from node_modules); code splitting keeps each command's modules in its own chunk, loaded lazily.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// esbuild is a devDependency: an install without dev dependencies skips the build (bin/qstudio.mjs then says so).
const esbuild = await import('esbuild').catch(() => null);
if (!esbuild) {
  console.warn('build-cli: esbuild is not installed, the qstudio CLI was not built');
  process.exit(0);
}
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist-cli');
rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: { main: join(root, 'src/cli/main.ts'), 'rtn-worker': join(root, 'src/cli/rtn-worker.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  chunkNames: 'chunks/[name]-[hash]',
});
