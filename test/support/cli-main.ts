// Run the CLI's main() in this process, as the unit tests of src/cli do: its exit code and what it printed.
import { vi } from 'vitest';
import { main } from '../../src/cli/main';

export interface MainResult {
  code: number;
  /** console.log lines. */
  out: string;
  /** console.error lines. */
  err: string;
}

/** `qstudio ...args` through main(); progress written straight to process.stderr is dropped. */
export async function runMain(...args: string[]): Promise<MainResult> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    stderr.mockRestore();
  }
}
