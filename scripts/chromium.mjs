// The one Chromium the browser tests and scripts drive: Debian's, since Playwright cannot download its own browser
// here. Set CHROMIUM_PATH to use another Chromium or Chrome binary.
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || DEFAULT_CHROMIUM_PATH;

/** Launch flags: no sandbox (containers, root), no GPU (headless CI), no background traffic or first-run UI. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Options for Playwright's `chromium.launch()` and a project's `launchOptions`. */
export const chromiumLaunchOptions = () => ({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] });
