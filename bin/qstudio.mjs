#!/usr/bin/env node
// Runs the compiled CLI (dist-cli/, built from src/cli by scripts/build-cli.mjs in `npm install`'s prepare step), so
// start-up does not pay for a TypeScript compiler. QSTUDIO_FROM_SOURCE=1 runs src/cli through tsx instead (dev only).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist-cli/main.js', import.meta.url);
let main;
if (process.env.QSTUDIO_FROM_SOURCE === '1') {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
} else if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  console.error(
    'qstudio: the CLI is not built (dist-cli/main.js is missing). Run `npm install` (its prepare step builds it) ' +
      'or `npm run build:cli` in the repository.',
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
