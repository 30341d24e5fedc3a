#!/usr/bin/env node
/**
 * `npm run bench`: the startup benchmark of clarifai-secrets.
 * Options: see options.mjs. Exits 1 when a command did the wrong thing (a wrong count of
 * variables, a cache hit that made a request, too many list requests); never on time.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { startupRows } from './commands.mjs';
import { startBenchEmulator, PAT } from './fixtures.mjs';
import { describeMachine } from './machine.mjs';
import { BENCH_DIR, readOptions } from './options.mjs';
import { runProfiles } from './profile.mjs';
import { checkAnchorsInstalled, makeProject, staleBuildWarning } from './project.mjs';
import { renderReport } from './report.mjs';
import { runScale } from './scale.mjs';
import { runSyncCalls } from './sync-calls.mjs';
import { probeCli, probeMarker, runStartup } from './startup.mjs';
import { runTls } from './tls.mjs';
import { measureWatchPolls } from './watch-poll.mjs';

const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** The measurements without what only this machine's temporary folders mean (paths, env). */
function savable(results) {
  const strip = (row) => {
    const { env, argv, ...rest } = row;
    return { ...rest, argv: argv.map((a) => (a === process.execPath ? 'node' : a.replace(/^.*\/cs-bench-[^/]+\//, ''))) };
  };
  return {
    ...results,
    startup: results.startup.map((r) => ({ ...r, row: strip(r.row) })),
    otherNodes: results.otherNodes?.map((o) => ({ ...o, startup: o.startup.map((r) => ({ ...r, row: strip(r.row) })) })),
    profiles: results.profiles && {
      ...results.profiles,
      cases: results.profiles.cases.map(({ env, ...c }) => c),
    },
  };
}

/** With --only: the rows named, bare node, and the floor each of them is paired with. */
function onlyRows(rows, only) {
  if (!only) return rows;
  const unknown = only.filter((id) => !rows.some((r) => r.id === id));
  if (unknown.length > 0) throw new Error(`--only: no row ${unknown.join(', ')}; rows: ${rows.map((r) => r.id).join(', ')}`);
  const keep = new Set(['bare', ...only, ...rows.filter((r) => only.includes(r.id) && r.floor).map((r) => r.floor.id)]);
  return rows.filter((r) => keep.has(r.id));
}

/** The target rows, their floors and bare node, run by another node binary (PATH too, for wrappers' children). */
function rowsOn(bin, rows) {
  const keep = new Set(['bare', ...rows.filter((r) => r.group === 'target').flatMap((r) => [r.id, r.floor?.id])]);
  return rows
    .filter((r) => keep.has(r.id))
    .map((r) => ({ ...r, argv: r.argv.map((a) => (a === process.execPath ? bin : a)), env: { ...r.env, PATH: `${dirname(bin)}:${r.env.PATH}` } }));
}

/** The node binary's version, as `node --version` prints it. */
function versionOf(bin) {
  return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
}

function write(file, text) {
  writeFileSync(file, text);
  log(`written: ${relative(process.cwd(), file) || file}`);
}

async function main() {
  const options = readOptions();
  if (options.from) {
    const saved = JSON.parse(readFileSync(options.from, 'utf8'));
    write(options.out ?? join(BENCH_DIR, 'README.md'), renderReport({ ...saved, options: { ...saved.options, ...{ out: options.out } } }));
    return 0;
  }
  checkAnchorsInstalled();
  const machine = describeMachine(options.packageRoot);
  log(`${options.quick ? 'quick' : 'full'} mode, ${options.runs} runs + ${options.warmup} warm-up, package ${options.packageRoot}`);
  const stale = staleBuildWarning(options.packageRoot);
  if (stale) log(`warning: ${stale}`);
  const project = makeProject({ packageRoot: options.packageRoot });
  let emulator;
  try {
    emulator = await startBenchEmulator(project.packageDir, options.scale ? options.scaleSizes : []);
    project.writeFloorCache(PAT, emulator.url);
    const cli = await probeCli(project, emulator);
    if (!cli.available) log(`clarifai-secrets run is not available yet (${cli.reason}): its rows are skipped`);
    const marker = await probeMarker(project, emulator);
    if (!marker) log('the preload left no marker: the marker rows are skipped');
    const rows = onlyRows(startupRows(project, emulator.url, { cli, floors: options.floors, marker }), options.only);
    const startup = await runStartup({ rows, runs: options.runs, warmup: options.warmup, project, emulator, log });
    const otherNodes = [];
    for (const bin of options.nodes) {
      const version = versionOf(bin);
      log(`targets on node ${version}`);
      const ran = await runStartup({ rows: rowsOn(bin, rows), runs: options.runs, warmup: options.warmup, project, emulator, log });
      otherNodes.push({ version, loadAfter: os.loadavg(), startup: ran });
    }
    const sections = !options.only;
    const scale = sections && options.scale ? await runScale({ options, project, emulator, log }) : undefined;
    const syncCalls = sections && options.floors ? await runSyncCalls({ options, project, emulator, log }) : undefined;
    const profiles = sections && options.profile ? await runProfiles({ project, emulator, marker, log }) : undefined;
    const watch = sections && options.watch ? await measureWatchPolls({ packageRoot: options.packageRoot, quick: options.quick, log }) : undefined;
    const tls =
      sections && options.tls
        ? await runTls({ runs: options.tlsRuns, warmup: options.quick ? 0 : 1, project, packageRoot: options.packageRoot, cli, log })
        : undefined;

    machine.loadAfter = os.loadavg();
    const results = { options, machine, cli, startup, otherNodes, scale, syncCalls, profiles, watch, tls, stale };
    const report = renderReport(results);
    if (options.results) write(options.results, `${JSON.stringify(savable(results), null, 1)}\n`);
    if (options.out) write(options.out, report);
    else process.stdout.write(report);
    const failures = [
      ...startup.flatMap((r) => r.failures.map((f) => `${r.row.label}: ${f}`)),
      ...otherNodes.flatMap((o) => o.startup.flatMap((r) => r.failures.map((f) => `node ${o.version}: ${r.row.label}: ${f}`))),
      ...(scale?.failures ?? []),
      ...(syncCalls?.failures ?? []),
      ...(profiles?.failures ?? []),
      ...(watch?.failures ?? []),
      ...(tls?.failures ?? []),
    ];
    for (const failure of new Set(failures)) log(`FAILED ${failure}`);
    return failures.length === 0 ? 0 : 1;
  } finally {
    await emulator?.close();
    project.remove();
  }
}

process.exitCode = await main().catch((error) => {
  log(error instanceof Error ? error.stack ?? error.message : String(error));
  return 1;
});
