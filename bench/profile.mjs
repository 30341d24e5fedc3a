/**
 * Where the time goes: `node --cpu-prof` on the preload paths (cache hit and fetch, with
 * --import and -r) and on bare node, several runs each, summed by category (Node's ESM
 * loader, CJS loader, our dist files, dependencies, Node core, V8's own "(program)" and GC)
 * and by function. Worker threads write their own profile; they are summed separately.
 */
import { mkdirSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { baseEnv, CACHE_TTL } from './commands.mjs';
import { runOnce } from './measure.mjs';
import { firstLine } from './startup.mjs';

const REPS = 7;

export function profileCases(project, baseUrl, marker) {
  const fetch = baseEnv(project, baseUrl);
  const cached = baseEnv(project, baseUrl, { CLARIFAI_SECRETS_CACHE_TTL: CACHE_TTL });
  const { CLARIFAI_PAT: _token, ...child } = fetch;
  const covered = marker ? [
    { id: 'import-marker', label: '--import, marker covers it', args: ['--import', 'clarifai-secrets/register'], env: { ...child, ...marker.env } },
    { id: 'require-marker', label: '-r, marker covers it', args: ['-r', 'clarifai-secrets/register'], env: { ...child, ...marker.env } },
  ] : [];
  return [
    { id: 'bare', label: 'bare node', args: [], env: fetch },
    { id: 'import-cache', label: '--import, cache hit', args: ['--import', 'clarifai-secrets/register'], env: cached },
    { id: 'import-fetch', label: '--import, fetch 20', args: ['--import', 'clarifai-secrets/register'], env: fetch },
    { id: 'require-cache', label: '-r, cache hit', args: ['-r', 'clarifai-secrets/register'], env: cached },
    { id: 'require-fetch', label: '-r, fetch 20', args: ['-r', 'clarifai-secrets/register'], env: fetch },
    ...covered,
  ];
}

/** A short name for what a frame belongs to. */
function categorize(callFrame, roots) {
  const { url, functionName } = callFrame;
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8: garbage collector';
    if (functionName === '(program)') return 'V8/native: (program)';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(root)') return 'root';
    return 'native';
  }
  const dep = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\/[^]*$/.exec(url);
  if (dep && !url.startsWith(roots.pkg)) return `dependency: ${dep[1]}`;
  if (url.startsWith(roots.pkg)) return `clarifai-secrets: ${url.slice(roots.pkg.length)}`;
  if (url.startsWith(roots.project)) {
    const rest = url.slice(roots.project.length);
    return rest.startsWith('floors/') ? `floor: ${rest}` : `app: ${rest}`;
  }
  if (url.startsWith('node:internal/modules/esm/')) return 'Node: ESM loader';
  if (url.startsWith('node:internal/modules/cjs/')) return 'Node: CJS loader';
  if (url.startsWith('node:internal/modules/')) return 'Node: module helpers';
  if (url.startsWith('node:internal/main/') || url.startsWith('node:internal/bootstrap/') || url === 'node:internal/process/pre_execution')
    return 'Node: bootstrap';
  if (url.startsWith('node:internal/worker') || url === 'node:worker_threads') return 'Node: worker_threads';
  if (url.startsWith('node:internal/crypto/') || url === 'node:crypto') return 'Node: crypto';
  if (/^node:(_http|http|https|net|dns|internal\/(http|net|dns|stream_base))/.test(url)) return 'Node: http/net';
  if (url.startsWith('node:internal/fs/') || url === 'node:fs') return 'Node: fs';
  if (url.startsWith('node:')) return 'Node: other core';
  return `other: ${url}`;
}

/** { total, self: Map(category -> µs), inclusive: Map(category -> µs), functions: Map(name -> µs) } of one profile. */
function summarize(profile, roots) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map();
  const inclusive = new Map();
  const functions = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  const stackCategories = new Map();
  const categoriesOf = (id) => {
    let found = stackCategories.get(id);
    if (found) return found;
    found = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) found.add(categorize(byId.get(at).callFrame, roots));
    stackCategories.set(id, found);
    return found;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i + 1] is the time until the next sample: the time spent in samples[i].
    const us = profile.timeDeltas[i + 1] ?? 0;
    const node = byId.get(profile.samples[i]);
    const category = categorize(node.callFrame, roots);
    add(self, category, us);
    for (const c of categoriesOf(node.id)) add(inclusive, c, us);
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url ? `${shortUrl(url, roots)}:${lineNumber + 1}` : '';
    add(functions, `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`, us);
  }
  return { total: profile.endTime - profile.startTime, self, inclusive, functions };
}

function shortUrl(url, roots) {
  const dep = /\/(node_modules\/[^]*)$/.exec(url);
  if (dep) return dep[1];
  if (url.startsWith(roots.pkg)) return url.slice(roots.pkg.length);
  if (url.startsWith(roots.project)) return url.slice(roots.project.length);
  return url;
}

/** Per key, the median over the runs (a run without the key counts as 0): robust to a run slowed by other work. */
function medianOf(runs) {
  const mid = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const m = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  };
  // Plain objects, so that results.json can hold them.
  const out = { total: mid(runs.map((r) => r.total)), self: {}, inclusive: {}, functions: {}, profiles: runs.length };
  for (const key of ['self', 'inclusive', 'functions']) {
    const keys = new Set(runs.flatMap((r) => [...r[key].keys()]));
    for (const k of keys) out[key][k] = mid(runs.map((r) => r[key].get(k) ?? 0));
  }
  // The report shows a dozen functions per case; keep a few more than that.
  out.functions = Object.fromEntries(Object.entries(out.functions).sort((a, b) => b[1] - a[1]).slice(0, 40));
  return out;
}

export async function runProfiles({ project, emulator, marker, log }) {
  const roots = {
    pkg: `${pathToFileURL(realpathSync(project.packageDir)).href}/`,
    project: `${pathToFileURL(realpathSync(project.dir)).href}/`,
  };
  const results = [];
  const failures = [];
  for (const c of profileCases(project, emulator.url, marker)) {
    const main = [];
    const workers = [];
    for (let rep = 0; rep < REPS; rep++) {
      const dir = join(project.profiles, `${c.id}-${rep}`);
      mkdirSync(dir);
      const ran = await runOnce({
        argv: [process.execPath, '--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', ...c.args, 'app.js'],
        env: c.env,
        cwd: project.dir,
        scratch: project.scratch,
      });
      if (ran.code !== 0 || !ran.app) {
        failures.push(`profile ${c.label}: exit ${ran.code}: ${firstLine(ran.stderr)}`);
        continue;
      }
      for (const file of readdirSync(dir)) {
        // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: thread 0 is the main thread.
        const thread = Number(file.split('.').at(-3));
        (thread === 0 ? main : workers).push(summarize(JSON.parse(readFileSync(join(dir, file), 'utf8')), roots));
      }
      rmSync(dir, { recursive: true, force: true });
    }
    results.push({ ...c, main: medianOf(main), workers: workers.length > 0 ? medianOf(workers) : undefined });
    log(`profile: ${c.label}`);
  }
  return { reps: REPS, cases: results, failures };
}
