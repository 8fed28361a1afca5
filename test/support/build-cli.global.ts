// Vitest global setup: compile the CLI once before any test file runs. The CLI tests run the shipped entry point
// (bin/qstudio.mjs → dist-cli/), and building it per file would let one file's rebuild delete another's CLI mid-run.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
  execFileSync('node', [join(root, 'scripts/build-cli.mjs')], { stdio: 'inherit' });
}
