/**
 * The scale run: a preload process loading N = 1 ... 10,000 secrets (the list endpoint,
 * TTL 0), alternating with bare node. Reports requests (from the emulator's log), wall
 * time, the load's own duration (the debug report line) and peak RSS against N.
 * Checks the request counts (at most ceil(N / 1000) + 1 list requests: pages of 1,000,
 * walked until an empty one); time and memory are reported, never asserted.
 */
import { runOnce } from './measure.mjs';
import { baseEnv } from './commands.mjs';
import { scalePat } from './fixtures.mjs';
import { checkRun, firstLine } from './startup.mjs';
import { linearFit, summary } from './stats.mjs';

export const SCALE_MODES = ['--import', '-r'];
const DEBUG_LINE = /loaded \d+ secrets? from (\w+) in ([\d.]+) ms/;

export const maxListRequests = (n) => Math.ceil(n / 1000) + 1;

export async function runScale({ options, project, emulator, log }) {
  const node = process.execPath;
  const sizes = options.scaleSizes;
  const bare = { id: 'bare', argv: [node, 'app.js'], env: baseEnv(project, emulator.url), expect: { n: 0, requests: 'none' } };
  const cells = [];
  for (const mode of SCALE_MODES) {
    for (const n of sizes) {
      cells.push({
        id: `${mode} ${n}`,
        mode,
        n,
        argv: [node, mode, 'clarifai-secrets/register', 'app.js'],
        env: baseEnv(project, emulator.url, {
          CLARIFAI_PAT: scalePat(n),
          CLARIFAI_SECRETS_DEBUG: 'true',
          CLARIFAI_SECRETS_TIMEOUT: '60000',
          SCALE_EXPECT: String(n),
        }),
        expect: { n, requests: 'some' },
        // The debug report line is expected; a warning is not.
        stderrAllowed: true,
        ms: [],
        loadMs: [],
        envSetMs: [],
        appRss: [],
        listRequests: [],
        requests: [],
        failures: [],
      });
    }
  }
  const bareMs = [];
  const bareRss = [];
  const warmup = Math.min(options.warmup, 1);
  for (let round = 0; round < warmup + options.scaleRuns; round++) {
    const timed = round >= warmup;
    const b = await runOnce({ argv: bare.argv, env: bare.env, cwd: project.dir, scratch: project.scratch });
    if (timed && b.app) {
      bareMs.push(b.ms);
      bareRss.push(b.app.rss);
    }
    for (const cell of round % 2 === 0 ? cells : [...cells].reverse()) {
      emulator.clearRequests();
      const ran = await runOnce({ argv: cell.argv, env: cell.env, cwd: project.dir, scratch: project.scratch, timeoutMs: 120_000 });
      const requests = emulator.requests.length;
      const lists = emulator.requests.filter((r) => r.method === 'GET' && /\/secrets$/.test(r.path)).length;
      const failure =
        checkRun(cell, ran, requests) ??
        (/warning/.test(ran.stderr) ? `warning on stderr: ${firstLine(ran.stderr)}` : undefined) ??
        (lists > maxListRequests(cell.n) ? `${lists} list requests, at most ${maxListRequests(cell.n)} allowed` : undefined);
      if (failure) {
        cell.failures.push(`scale ${cell.mode} N=${cell.n}: ${failure}`);
        continue;
      }
      if (!timed) continue;
      const debug = DEBUG_LINE.exec(ran.stderr);
      cell.ms.push(ran.ms);
      cell.appRss.push(ran.app.rss);
      if (debug) cell.loadMs.push(Number(debug[2]));
      cell.listRequests.push(lists);
      if (cell.mode === SCALE_MODES[0]) {
        // What writing N variables into process.env costs by itself, in a process of its own.
        const set = await runOnce({ argv: [node, 'floors/env-set.cjs', String(cell.n)], env: bare.env, cwd: project.dir, scratch: project.scratch });
        const line = set.stdout.split('\n').find((l) => l.startsWith('{"ms"'));
        if (line) cell.envSetMs.push(JSON.parse(line).ms);
      }
      cell.requests.push(requests);
    }
    log(`scale: round ${round + 1}/${warmup + options.scaleRuns}${timed ? '' : ' (warm-up)'}`);
  }
  const bareTime = summary(bareMs).median;
  const bareRssMedian = summary(bareRss).median;
  const rows = cells.map((cell) => ({
    mode: cell.mode,
    n: cell.n,
    runs: cell.ms.length,
    ms: summary(cell.ms).median,
    extraMs: summary(cell.ms).median - bareTime,
    loadMs: cell.loadMs.length ? summary(cell.loadMs).median : undefined,
    envSetMs: cell.envSetMs.length ? summary(cell.envSetMs).median : undefined,
    appRssMiB: summary(cell.appRss).median / 1024,
    extraRssMiB: (summary(cell.appRss).median - bareRssMedian) / 1024,
    listRequests: cell.listRequests.length ? Math.max(...cell.listRequests) : undefined,
    requests: cell.requests.length ? Math.max(...cell.requests) : undefined,
  }));
  // The env-write cost is measured once per N (with the first mode); both modes pay it.
  for (const row of rows) {
    row.envSetMs ??= rows.find((r) => r.n === row.n && r.envSetMs !== undefined)?.envSetMs;
    row.ownMs = row.loadMs !== undefined && row.envSetMs !== undefined ? row.loadMs - row.envSetMs : undefined;
  }
  const fits = SCALE_MODES.map((mode) => {
    const mine = rows.filter((r) => r.mode === mode && r.runs > 0);
    const xs = mine.map((r) => r.n);
    return {
      mode,
      msPer1000: linearFit(xs, mine.map((r) => r.extraMs)).slope * 1000,
      loadMsPer1000: mine.every((r) => r.loadMs !== undefined) ? linearFit(xs, mine.map((r) => r.loadMs)).slope * 1000 : undefined,
      ownMsPer1000: mine.every((r) => r.ownMs !== undefined) ? linearFit(xs, mine.map((r) => r.ownMs)).slope * 1000 : undefined,
      mibPer1000: linearFit(xs, mine.map((r) => r.extraRssMiB)).slope * 1000,
      // Marginal cost per secret from 1,000 to 10,000 over that from 100 to 1,000: ~1 when
      // linear. On the load's own time (the debug report) when there is one: less noise;
      // then again without the process.env writes, which are quadratic by nature.
      marginalRatio: marginal(mine, 1000, 10_000, (r) => r.loadMs ?? r.extraMs) / marginal(mine, 100, 1000, (r) => r.loadMs ?? r.extraMs),
      ownMarginalRatio: marginal(mine, 1000, 10_000, (r) => r.ownMs) / marginal(mine, 100, 1000, (r) => r.ownMs),
    };
  });
  return { bareMs: bareTime, bareRssMiB: bareRssMedian / 1024, rows, fits, failures: cells.flatMap((c) => c.failures) };
}

function marginal(rows, from, to, cost) {
  const a = rows.find((r) => r.n === from);
  const b = rows.find((r) => r.n === to);
  if (!a || !b || cost(a) === undefined || cost(b) === undefined) return NaN;
  return (cost(b) - cost(a)) / (to - from);
}
