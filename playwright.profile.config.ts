import base from './playwright.config';

/**
 * playwright.config with an unminified production build, so a Chrome trace names our and React's functions
 * (scripts/long-task-trace.mjs): `LONG_TASKS_TRACE=/tmp/lt.json npx playwright test -c playwright.profile.config.ts
 * e2e/long-tasks.spec.ts`. Timings of this build are not the shipped ones; the spec's own numbers come from the
 * normal config.
 */
const PORT = Number(process.env.E2E_PORT ?? 4180);
export default {
  ...base,
  webServer: {
    ...base.webServer,
    command: `npx vite build --minify false && npx vite preview --port ${PORT} --strictPort`,
  },
};
