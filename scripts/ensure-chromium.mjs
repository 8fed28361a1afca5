// The e2e tests drive Debian's Chromium (Playwright cannot download its own browser here). Install it when we can;
// a CHROMIUM_PATH set to another browser must exist.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CHROMIUM_PATH, DEFAULT_CHROMIUM_PATH } from './chromium.mjs';

if (!existsSync(CHROMIUM_PATH)) {
  if (CHROMIUM_PATH !== DEFAULT_CHROMIUM_PATH) {
    console.error(`Chromium not found at CHROMIUM_PATH=${CHROMIUM_PATH}.`);
    process.exit(1);
  }
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    console.error(
      `Chromium not found at ${CHROMIUM_PATH}. Install it with: sudo apt-get update && sudo apt-get install -y chromium, or set CHROMIUM_PATH to another Chromium.`,
    );
    process.exit(1);
  }
  console.log('Installing Debian chromium for the browser tests…');
  execSync('apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium', {
    stdio: 'inherit',
  });
}
