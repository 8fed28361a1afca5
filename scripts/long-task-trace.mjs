#!/usr/bin/env node
// What each long main-thread task in a Chrome trace is made of, per phase of e2e/long-tasks.spec.ts.
//
//   LONG_TASKS_TRACE=/tmp/lt.json E2E_PORT=… npx playwright test e2e/long-tasks.spec.ts
//   node scripts/long-task-trace.mjs /tmp/lt.json [min ms, default 30]
//
// For every task on the page's main thread longer than the threshold: the phase it fell in (the spec's
// `phase <name>` marks), what started it (timer, event, animation frame, message, script evaluation), the plot
// draws inside it (Plot.tsx's `plot <testid>` / `resize <testid>` measures), its time by kind (script by file,
// style, layout, paint, GC) and its hottest functions from the CPU profile. Function names are readable with an
// unminified build (`-c playwright.profile.config.ts`); plotly's own bundle is minified anyway.
import { readFileSync } from 'node:fs';

const [path, minArg] = process.argv.slice(2);
if (!path) {
  console.error('usage: node scripts/long-task-trace.mjs <trace.json> [min ms]');
  process.exit(2);
}
const MIN_US = Number(minArg ?? 30) * 1000;
const raw = JSON.parse(readFileSync(path, 'utf8'));
const events = Array.isArray(raw) ? raw : raw.traceEvents;

// The page's main thread: the CrRendererMain that holds the spec's phase marks.
const phaseMarks = events.filter((e) => e.cat?.includes('blink.user_timing') && e.name?.startsWith('phase '));
if (phaseMarks.length === 0)
  throw new Error('no `phase …` marks in the trace: was it recorded by long-tasks.spec.ts?');
const { pid, tid } = phaseMarks[0];
const onMain = events.filter((e) => e.pid === pid && e.tid === tid);
const marks = phaseMarks.filter((e) => e.pid === pid).sort((a, b) => a.ts - b.ts);
const phaseAt = (ts) => {
  let name = 'landing';
  for (const m of marks) if (m.ts <= ts) name = m.name === 'phase end' ? 'between phases' : m.name.slice(6);
  return name;
};

// Plot draws: async measure events ('b'/'e' pairs) named `plot …` / `resize …`.
const measures = [];
const open = new Map();
for (const e of events.filter((x) => x.pid === pid && x.cat?.includes('blink.user_timing'))) {
  if (!/^(plot|resize) /.test(e.name ?? '')) continue;
  const key = `${e.name}:${e.id ?? e.id2?.local ?? ''}`;
  if (e.ph === 'b') open.set(key, e.ts);
  else if (e.ph === 'e' && open.has(key)) {
    measures.push({ name: e.name, from: open.get(key), to: e.ts });
    open.delete(key);
  }
}

// CPU profile samples of the main thread (Profile + ProfileChunk events share an id).
const profileIds = new Set(
  events.filter((e) => e.name === 'Profile' && e.pid === pid && e.tid === tid).map((e) => e.id),
);
const nodes = new Map();
const samples = []; // { ts, node }
const lastTs = new Map();
for (const e of events) {
  if (e.name !== 'ProfileChunk' || !profileIds.has(e.id)) continue;
  const cpu = e.args?.data?.cpuProfile ?? {};
  for (const n of cpu.nodes ?? []) nodes.set(n.id, n);
  const deltas = e.args?.data?.timeDeltas ?? [];
  let ts =
    lastTs.get(e.id) ?? events.find((p) => p.name === 'Profile' && p.id === e.id)?.args?.data?.startTime;
  (cpu.samples ?? []).forEach((node, i) => {
    ts += deltas[i] ?? 0;
    samples.push({ ts, node });
  });
  lastTs.set(e.id, ts);
}
samples.sort((a, b) => a.ts - b.ts);
const file = (url) =>
  url
    ? url
        .split('/')
        .pop()
        .replace(/-[\w-]{8}\.js$/, '.js')
    : '';
const frameName = (id) => {
  const cf = nodes.get(id)?.callFrame ?? {};
  const fn = cf.functionName || '(anonymous)';
  return cf.url ? `${fn} ${file(cf.url)}:${cf.lineNumber + 1}` : fn;
};

const KIND = {
  UpdateLayoutTree: 'style',
  Layout: 'layout',
  PrePaint: 'paint',
  Paint: 'paint',
  Layerize: 'paint',
  UpdateLayer: 'paint',
  MajorGC: 'gc',
  MinorGC: 'gc',
  'V8.GC_MARK_COMPACTOR': 'gc',
  'V8.GC_SCAVENGER': 'gc',
  'v8.compile': 'compile',
  'v8.compileModule': 'compile',
  ParseHTML: 'parse-html',
};
const ENTRY = new Set([
  'FunctionCall',
  'EvaluateScript',
  'v8.evaluateModule',
  'TimerFire',
  'EventDispatch',
  'FireAnimationFrame',
  'RunMicrotasks',
  'FireIdleCallback',
  'ResizeObserverDeliver',
  'IntersectionObserverController::computeIntersections',
  'HitTest',
]);

// Outermost task events only (RunTask and ThreadControllerImpl::RunTask nest).
const tasks = onMain
  .filter(
    (e) =>
      e.ph === 'X' && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && e.dur >= MIN_US,
  )
  .sort((a, b) => a.ts - b.ts || b.dur - a.dur)
  .filter(
    (e, i, all) => i === 0 || !(all[i - 1].ts <= e.ts && all[i - 1].ts + all[i - 1].dur >= e.ts + e.dur),
  );
const complete = onMain.filter((e) => e.ph === 'X' && e.dur > 0).sort((a, b) => a.ts - b.ts);

const ms = (us) => (us / 1000).toFixed(0);
let phase = '';
const testOwn = new Map();
for (const t of tasks) {
  const end = t.ts + t.dur;
  const inner = complete.filter((e) => e !== t && e.ts >= t.ts && e.ts + e.dur <= end);
  const p = phaseAt(t.ts);
  if (p !== phase) console.log(`\n== ${(phase = p)} ==`);
  const entry = inner.find((e) => ENTRY.has(e.name));
  const d = entry?.args?.data ?? {};
  const what = entry
    ? [entry.name, d.type, d.functionName, file(d.url), d.timerId && `timer ${d.timerId}`]
        .filter(Boolean)
        .join(' ')
    : (inner[0]?.name ?? '(browser work)');
  // Time by kind: each kind's outermost events (a Layout inside a script is a forced layout, counted as layout).
  const byKind = {};
  const outer = (e, kindOf) =>
    !inner.some(
      (o) =>
        o !== e && kindOf(o) === kindOf(e) && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && o.dur > e.dur,
    );
  const kindOf = (e) => KIND[e.name];
  for (const e of inner)
    if (kindOf(e) && outer(e, kindOf)) byKind[kindOf(e)] = (byKind[kindOf(e)] ?? 0) + e.dur;
  // Script: CPU samples in the task by file of the top JS frame (program/idle/gc samples are not script).
  const mine = samples.filter((s) => s.ts >= t.ts && s.ts < end);
  const perFile = {};
  const perFn = {};
  for (const s of mine) {
    const cf = nodes.get(s.node)?.callFrame;
    if (!cf || ['(program)', '(idle)', '(garbage collector)', '(root)'].includes(cf.functionName)) continue;
    const f = file(cf.url) || "(no url: the test's script, built-ins)";
    perFile[f] = (perFile[f] ?? 0) + 1;
    const n = frameName(s.node);
    perFn[n] = (perFn[n] ?? 0) + 1;
  }
  const per = mine.length ? t.dur / mine.length : 0;
  // The test's own tasks (calibration runs, building a drop in the page): counted, not listed.
  const own = perFile["(no url: the test's script, built-ins)"] ?? 0;
  if (own * per > t.dur * 0.6) {
    testOwn.set(phaseAt(t.ts), (testOwn.get(phaseAt(t.ts)) ?? 0) + 1);
    continue;
  }
  const native = mine.filter((s) => nodes.get(s.node)?.callFrame?.functionName === '(program)').length;
  if (native) byKind['native (no JS on the stack)'] = native * per;
  const plots = measures.filter((m) => m.from < end && m.to > t.ts).map((m) => m.name);
  const kinds = Object.entries(byKind).map(([k, v]) => `${k} ${ms(v)}`);
  const files = Object.entries(perFile)
    .sort((a, b) => b[1] - a[1])
    .map(([f, n]) => `${f} ~${ms(n * per)}`);
  const hot = Object.entries(perFn)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([f, n]) => `${f} ~${ms(n * per)}`);
  console.log(`${ms(t.dur)} ms  ${what}${plots.length ? `  [${plots.join(', ')}]` : ''}`);
  console.log(`   kinds: ${kinds.join(', ') || '-'}; script by file: ${files.join(', ') || '-'}`);
  if (hot.length) console.log(`   hottest: ${hot.join(' · ')}`);
}
for (const [p, n] of testOwn)
  console.log(`${p}: ${n} task(s) of the test's own script (calibration, building a drop) not listed`);
