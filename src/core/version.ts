// The studio's and CLI's version. Written here, not imported from package.json: every loader (Vite, esbuild, Vitest,
// Playwright's Node) reads a plain constant, and the browser bundle gets no copy of package.json.
// version.test.ts fails when the two differ.
export const STUDIO_VERSION = '0.1.0';
