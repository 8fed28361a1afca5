// Run the compiled CLI (bin/qstudio.mjs, built once by the Vitest global setup) as a user would: a child process,
// its exit code and both streams, never a thrown error.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../paths';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const QSTUDIO_BIN = join(REPO_ROOT, 'bin/qstudio.mjs');

const run = promisify(execFile);

/** `qstudio(...args)` run in `cwd` (`bin`: another copy of the CLI's entry). */
export function cliRunner(cwd: string, bin = QSTUDIO_BIN): (...args: string[]) => Promise<CliResult> {
  return async (...args) => {
    try {
      const { stdout, stderr } = await run('node', [bin, ...args], { cwd });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as CliResult;
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  };
}
