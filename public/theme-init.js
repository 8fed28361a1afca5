// Apply the saved (or system) theme before first paint, so there is no flash. A file, not an inline script,
// so the Content-Security-Policy needs no 'unsafe-inline' for scripts (README "Security").
/* global matchMedia */
try {
  var saved = JSON.parse(localStorage.getItem('qstudio.settings.v1') || '{}').theme;
  var dark = saved ? saved === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
} catch {
  document.documentElement.dataset.theme = 'light';
}
