/**
 * The startup run: every row once per round, rounds alternating in direction
 * (A B C ... C B A ...) so that drift and position effects cancel, warm-up rounds first.
 */
import { runOnce } from './measure.mjs';
import { baseEnv } from './commands.mjs';
import { summary } from './stats.mjs';

/** What a run did wrong, or undefined. Checked on every run, warm-up included; never on time. */
export function checkRun(row, ran, requests) {
  if (ran.code !== 0) return `exit ${ran.code ?? ran.signal}: ${firstLine(ran.stderr)}`;
  // The preload is silent on success: a warning here means the setup is wrong.
  if (!row.stderrAllowed && ran.stderr.trim()) return `unexpected stderr: ${firstLine(ran.stderr)}`;
  if (!ran.app) return `the app did not report (stderr: ${firstLine(ran.stderr)})`;
  if (ran.app.n !== row.expect.n) return `the app saw ${ran.app.n} BENCH_ variables, expected ${row.expect.n}`;
  if (row.expect.requests === 'none' && requests > 0) return `${requests} requests, expected none (cache hit)`;
  if (row.expect.requests === 'some' && requests === 0) return 'no request, expected a fetch';
  return undefined;
}

export function firstLine(text) {
  return (text.trim().split('\n')[0] ?? '').slice(0, 200);
}

/** Whether `clarifai-secrets run` works yet (the CLI may still be in progress). */
export async function probeCli(project, emulator) {
  const ran = await runOnce({
    argv: [project.bin.clarifaiSecrets, 'run', '--', 'node', 'app.js'],
    env: baseEnv(project, emulator.url),
    cwd: project.dir,
    scratch: project.scratch,
  });
  if (ran.code === 0 && ran.app?.n === 20) return { available: true };
  return { available: false, reason: `exit ${ran.code}: ${firstLine(ran.stderr) || firstLine(ran.stdout) || 'no output'}` };
}

/**
 * The environment a parent's load leaves its children: one real `--import` start prints the
 * marker and the 20 values (measured rows never print them; they stay in this process).
 */
export async function probeMarker(project, emulator) {
  const print = "const e={};for(const k in process.env)if(k.startsWith('BENCH_')||k==='CLARIFAI_SECRETS_LOADED')e[k]=process.env[k];console.log(JSON.stringify(e))";
  const ran = await runOnce({
    argv: [process.execPath, '--import', 'clarifai-secrets/register', '-e', print],
    env: baseEnv(project, emulator.url),
    cwd: project.dir,
    scratch: project.scratch,
  });
  const env = ran.code === 0 ? JSON.parse(ran.stdout.trim().split('\n').at(-1) ?? '{}') : {};
  return env.CLARIFAI_SECRETS_LOADED ? { env } : undefined;
}

/**
 * Each command runs right after a bare `node app.js` of its own, and its ratio is taken
 * against that pair's bare run: on a machine shared with other work, two runs a few ms
 * apart see the same load, so the median of the paired ratios is steadier than a ratio of
 * medians. (The bare row's own figures pool every bare run.)
 */
export async function runStartup({ rows, runs, warmup, project, emulator, log }) {
  const results = new Map(
    rows.map((row) => [row.id, { row, ms: [], pairedRatio: [], pairedExtra: [], pairedOverFloor: [], pairedOverFloorFirst: [], pairedFloorRatio: [], pairedFloorRatioFirst: [], first: [], appRss: [], appCpu: [], treeRss: [], requests: [], failures: [] }]),
  );
  const bareRow = rows.find((row) => row.id === 'bare');
  const once = async (row, timed) => {
    emulator.clearRequests();
    const ran = await runOnce({ argv: row.argv, env: row.env, cwd: project.dir, scratch: project.scratch });
    const requests = emulator.requests.length;
    const result = results.get(row.id);
    const failure = checkRun(row, ran, requests);
    if (failure) result.failures.push(failure);
    if (!timed || failure) return undefined;
    result.ms.push(ran.ms);
    if (ran.firstMs !== undefined) result.first.push(ran.firstMs);
    result.appRss.push(ran.app.rss);
    result.appCpu.push(ran.app.cpu / 1000);
    if (ran.treeRssKiB !== undefined) result.treeRss.push(ran.treeRssKiB);
    result.requests.push(requests);
    return ran;
  };
  const others = rows.filter((row) => row !== bareRow);
  const baselineOf = (row) => results.get(row.pairWith ?? 'bare');
  for (let round = 0; round < warmup + runs; round++) {
    const timed = round >= warmup;
    for (const row of round % 2 === 0 ? others : [...others].reverse()) {
      const baseRan = await once(baselineOf(row).row, timed);
      const base = baseRan?.ms;
      // A target's floor runs right before it too: "ours over the floor" is a paired difference
      // and ratio. Bare node as the floor is the paired baseline run itself.
      const floor = !row.floor ? undefined : row.floor.id === 'bare' ? baseRan : await once(results.get(row.floor.id).row, timed);
      const ran = await once(row, timed);
      const ms = ran?.ms;
      if (base !== undefined && ms !== undefined) {
        results.get(row.id).pairedRatio.push(ms / base);
        results.get(row.id).pairedExtra.push(ms - base);
      }
      if (floor !== undefined && ran !== undefined) {
        results.get(row.id).pairedOverFloor.push(ran.ms - floor.ms);
        results.get(row.id).pairedFloorRatio.push(ran.ms / floor.ms);
        if (ran.firstMs !== undefined && floor.firstMs !== undefined) {
          results.get(row.id).pairedOverFloorFirst.push(ran.firstMs - floor.firstMs);
          results.get(row.id).pairedFloorRatioFirst.push(ran.firstMs / floor.firstMs);
        }
      }
    }
    log(`startup: round ${round + 1}/${warmup + runs}${timed ? '' : ' (warm-up)'}`);
  }
  return [...results.values()].map((r) => {
    const time = summary(r.ms);
    const isBare = r.row === bareRow;
    const base = baselineOf(r.row);
    return {
      ...r,
      time,
      ratio: isBare ? 1 : summary(r.pairedRatio).median,
      extraMs: isBare ? 0 : summary(r.pairedExtra).median,
      overFloorMs: r.pairedOverFloor.length ? summary(r.pairedOverFloor).median : undefined,
      overFloorFirstMs: r.pairedOverFloorFirst.length ? summary(r.pairedOverFloorFirst).median : undefined,
      floorRatio: r.pairedFloorRatio.length ? summary(r.pairedFloorRatio).median : undefined,
      floorRatioFirst: r.pairedFloorRatioFirst.length ? summary(r.pairedFloorRatioFirst).median : undefined,
      firstMs: r.first.length ? summary(r.first).median : undefined,
      min: Math.min(...r.ms),
      minRatio: Math.min(...r.ms) / Math.min(...base.ms),
      appRssMiB: summary(r.appRss).median / 1024,
      extraRssMiB: (summary(r.appRss).median - summary(base.appRss).median) / 1024,
      appCpuMs: summary(r.appCpu).median,
      extraCpuMs: summary(r.appCpu).median - summary(base.appCpu).median,
      treeRssMiB: r.treeRss.length ? summary(r.treeRss).median / 1024 : undefined,
      requestsPerRun: r.requests.length ? summary(r.requests).median : undefined,
    };
  });
}
