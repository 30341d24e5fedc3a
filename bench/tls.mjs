#!/usr/bin/env node
/**
 * Cold starts over TLS at a real round-trip time: `--import` and `-r` of the preload and
 * `clarifai-secrets run`, each fetching the 20 secrets from the emulator serving HTTPS with
 * its own certificate (trusted through NODE_EXTRA_CA_CERTS, a file of one certificate) at a
 * round-trip time (RTT) of 0, 10, 40 and 100 ms (its latency relay, on loopback).
 *
 * What it shows: how many round trips a cold start pays; the least possible is TCP 1 +
 * TLS 1.3 1 + the two list pages in one round 1 = 3, on two connections at once (the URL is
 * an IP literal: no name lookup). The emulator counts connections, TLS handshakes, requests
 * and the relay's round trips (from the order of bytes) of every run; those counts are
 * checked (2, 2 full, 2, 3, for ours and for the floors alike), the time never is: it is
 * reported as what those round trips cost.
 * The same-job floors of the startup targets (floors/same-job.cjs, node:https for an https://
 * base) run in the same rounds over the same TLS, each right before its start at the same RTT:
 * "× floor" is the median of those paired ratios.
 *
 * Runs interleave: in every round each pair (floor, then ours) once at each RTT, the pairs'
 * order alternating in direction. Alone: `npm run build && node bench/tls.mjs [--quick] [--runs N] [--out FILE]`
 * prints the section (or writes it to FILE); `npm run bench` runs it as a section of the report.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { baseEnv } from './commands.mjs';
import { PAT, STARTUP_SECRETS, USER } from './fixtures.mjs';
import { describeMachine } from './machine.mjs';
import { runOnce } from './measure.mjs';
import { makeProject } from './project.mjs';
import { checkRun } from './startup.mjs';
import { linearFit, median } from './stats.mjs';

export const RTTS = [0, 10, 40, 100];
/** The RTT of the headline target: a cold start no slower than its floor. */
export const TARGET_RTT = 40;
/**
 * The least a cold start pays, on each connection: TCP connect 1 + TLS 1.3 handshake 1 + one
 * request 1. Ours and the floors ask for the two list pages in one round, on two connections
 * whose handshakes overlap.
 */
export const MIN_ROUND_TRIPS = 3;
const FLOOR_ROUND_TRIPS = 3;
/** Connections (each with its full TLS handshake) a start opens. */
const connectionsOf = () => 2;

function ways(project, cli) {
  const node = process.execPath;
  const list = [
    { id: 'import', label: '`node --import clarifai-secrets/register app.js`', argv: [node, '--import', 'clarifai-secrets/register', 'app.js'] },
    { id: 'require', label: '`node -r clarifai-secrets/register app.js`', argv: [node, '-r', 'clarifai-secrets/register', 'app.js'] },
  ];
  if (cli.available) list.push({ id: 'run', label: '`clarifai-secrets run -- node app.js`', argv: [project.bin.clarifaiSecrets, 'run', '--', 'node', 'app.js'] });
  // The same-job floors of the startup targets, here with node:https (they pick it for an
  // https:// base).
  list.push(
    { id: 'import-floor', floorOf: 'import', label: '`--import` floor: the same job by hand (floors/job-import.mjs)', argv: [node, '--import', './floors/job-import.mjs', 'app.js'] },
    { id: 'require-floor', floorOf: 'require', label: '`-r` floor: the same job by hand (floors/job-require.cjs)', argv: [node, '-r', './floors/job-require.cjs', 'app.js'] },
  );
  if (cli.available) list.push({ id: 'run-floor', floorOf: 'run', label: '`run` floor: the same job by hand, then spawn (floors/job-run.cjs)', argv: [node, 'floors/job-run.cjs', 'node', 'app.js'] });
  return list;
}

async function startTlsEmulators(packageRoot, scratch) {
  const { startEmulator } = await import(pathToFileURL(join(packageRoot, 'dist', 'emulator.js')).href);
  const emulators = new Map();
  for (const rtt of RTTS) {
    const emulator = await startEmulator({ tls: true, latencyMs: rtt, pats: { [PAT]: USER }, users: { [USER]: STARTUP_SECRETS } });
    const caFile = join(scratch, `emulator-${rtt}.pem`);
    writeFileSync(caFile, emulator.certificate);
    emulators.set(rtt, { emulator, caFile });
  }
  return emulators;
}

/** Measures every start at every RTT; `project` is bench/project.mjs's scratch project. */
export async function runTls({ runs, warmup, project, packageRoot, cli = { available: true }, log = () => {} }) {
  const emulators = await startTlsEmulators(packageRoot, project.scratch);
  const cells = [];
  const caCost = { without: [], with: [] };
  try {
    for (const way of ways(project, cli)) {
      for (const rtt of RTTS) {
        const { emulator, caFile } = emulators.get(rtt);
        const env = baseEnv(project, emulator.url, { NODE_EXTRA_CA_CERTS: caFile });
        cells.push({ way, rtt, emulator, env, ms: [], first: [], wire: [], exchanges: [], connections: [], tlsFull: [], tlsResumed: [], requests: [], failures: [] });
      }
    }
    const once = async (cell, timed) => {
      cell.emulator.clearRequests();
      const row = { expect: { n: 20, requests: 'some' } };
      const ran = await runOnce({ argv: cell.way.argv, env: cell.env, cwd: project.dir, scratch: project.scratch });
      const stats = cell.emulator.connectionStats();
      const requests = cell.emulator.requests.length;
      const failure = checkRun(row, ran, requests);
      if (failure) cell.failures.push(failure);
      if (!timed || failure) return undefined;
      cell.ms.push(ran.ms);
      if (ran.firstMs !== undefined) cell.first.push(ran.firstMs);
      const relayed = cell.emulator.relayConnections();
      if (cell.rtt > 0 && relayed.length > 0) {
        cell.wire.push(Math.max(...relayed.map((c) => c.spanMs)) / cell.rtt);
        // Connections at once overlap: a start pays the longest of them.
        cell.exchanges.push(Math.max(...relayed.map((c) => c.roundTrips)));
      }
      cell.connections.push(stats.connections);
      cell.tlsFull.push(stats.tlsFull);
      cell.tlsResumed.push(stats.tlsResumed);
      cell.requests.push(requests);
      return ran;
    };
    // Pairs: each start's floor at the same RTT, right before it.
    const pairs = cells
      .filter((c) => c.way.floorOf === undefined)
      .map((ours) => ({ ours, floor: cells.find((f) => f.way.floorOf === ours.way.id && f.rtt === ours.rtt) }));
    for (const pair of pairs) pair.ours.floorRatio = [];
    // What NODE_EXTRA_CA_CERTS alone costs a node process (the same file, no request): part of every cell above.
    const { caFile } = emulators.get(0);
    const bareEnv = baseEnv(project, 'https://127.0.0.1:1');
    const bare = async (key, env, timed) => {
      const ran = await runOnce({ argv: [process.execPath, 'app.js'], env, cwd: project.dir, scratch: project.scratch });
      if (timed && ran.code === 0) caCost[key].push(ran.ms);
    };
    for (let round = 0; round < warmup + runs; round++) {
      const order = round % 2 === 0 ? pairs : [...pairs].reverse();
      await bare('without', bareEnv, round >= warmup);
      await bare('with', { ...bareEnv, NODE_EXTRA_CA_CERTS: caFile }, round >= warmup);
      for (const { ours, floor } of order) {
        const floorRan = floor ? await once(floor, round >= warmup) : undefined;
        const oursRan = await once(ours, round >= warmup);
        if (floorRan && oursRan) ours.floorRatio.push(oursRan.ms / floorRan.ms);
      }
      if (round >= warmup) log(`tls: round ${round - warmup + 1} of ${runs}`);
    }
  } finally {
    await Promise.all([...emulators.values()].map(({ emulator }) => emulator.close()));
  }

  const extraCaMs = median(caCost.with) - median(caCost.without);
  const rows = cells.map((cell) => {
    const base = cells.find((c) => c.way.id === cell.way.id && c.rtt === 0);
    const wall = median(cell.ms);
    const over = wall - median(base.ms);
    const most = (values) => (values.length ? Math.max(...values) : NaN);
    const counts = { connections: most(cell.connections), tlsFull: most(cell.tlsFull), tlsResumed: most(cell.tlsResumed), requests: most(cell.requests) };
    const failures = [...new Set(cell.failures)];
    const want = connectionsOf(cell.way);
    const atMinimum = counts.connections === want && counts.tlsFull === want && counts.tlsResumed === 0 && counts.requests === 2 && Math.min(...cell.connections) === want;
    if (cell.ms.length > 0 && !atMinimum) {
      failures.push(`${counts.connections} connection(s), ${counts.tlsFull} full and ${counts.tlsResumed} resumed TLS handshake(s), ${counts.requests} requests: expected ${want}, ${want}, 0, 2`);
    }
    if (cell.ms.length === 0) failures.push('no successful run');
    return { way: cell.way.id, label: cell.way.label, floorOf: cell.way.floorOf, rtt: cell.rtt, floorRatio: cell.floorRatio?.length ? median(cell.floorRatio) : undefined, runs: cell.ms.length, wall, first: cell.first.length ? median(cell.first) : NaN, over: cell.rtt > 0 ? over : undefined, perRtt: cell.rtt > 0 ? over / cell.rtt : undefined, wire: cell.wire.length ? median(cell.wire) : undefined, exchanges: cell.exchanges.length ? Math.max(...cell.exchanges) : undefined, ...counts, failures: failures.map((f) => `tls ${cell.way.id} at RTT ${cell.rtt} ms: ${f}`) };
  });
  // One figure per start: the slope of its median wall time over the RTT. What does not grow
  // with the RTT (the relay's timer slack per hop, work the fetch overlaps) drops out of it.
  const starts = [...new Set(rows.map((r) => r.way))].map((way) => {
    const own = rows.filter((r) => r.way === way);
    const { slope } = linearFit(own.map((r) => r.rtt), own.map((r) => r.wall));
    const countsOk = own.every((r) => r.failures.length === 0);
    // At the largest RTT the relay's slack per hop weighs least.
    const wire = own.find((r) => r.rtt === Math.max(...RTTS))?.wire;
    const exchanged = own.filter((r) => r.exchanges !== undefined).map((r) => r.exchanges);
    const exchanges = exchanged.length ? Math.max(...exchanged) : undefined;
    const least = own[0].floorOf === undefined ? MIN_ROUND_TRIPS : FLOOR_ROUND_TRIPS;
    const verdict = countsOk && exchanges === least ? 'pass' : 'FAIL';
    return { way, label: own[0].label, roundTrips: slope, wire, exchanges, least, countsOk, verdict };
  });
  const failures = [
    ...rows.flatMap((r) => r.failures),
    ...starts.filter((s) => s.exchanges !== undefined && s.exchanges !== s.least).map((s) => `tls ${s.way}: ${s.exchanges} round trips, expected ${s.least}`),
  ];
  // Ours over the floor of the same start at the same RTT: medians to the app's first line.
  const overFloor = rows
    .filter((r) => r.floorOf === undefined)
    .flatMap((r) => {
      const floor = rows.find((f) => f.floorOf === r.way && f.rtt === r.rtt);
      return floor ? [{ way: r.way, label: r.label, rtt: r.rtt, wall: r.wall, floorWall: floor.wall, first: r.first, floorFirst: floor.first, overMs: r.first - floor.first, floorRatio: r.floorRatio, requests: r.requests, connections: r.connections }] : [];
    });
  return { runs, warmup, rows, starts, extraCaMs, overFloor, failures };
}

const fixed = (v, digits = 1) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits));
const signedMs = (v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`;
const wallMs = (v) => (Number.isNaN(v) ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

/** Ours over the floor over TLS; nothing for a report saved before floors were measured here. */
function renderOverFloor(overFloor) {
  if (!overFloor?.length) return [];
  const verdict = (o) => (o.rtt !== TARGET_RTT || o.floorRatio === undefined ? '' : Number(o.floorRatio.toFixed(2)) <= 1 ? '**pass**' : '**FAIL**');
  return [
    `Ours against the same-job floor over TLS: each start right after its floor (bench/floors/same-job.cjs with \`node:https\`: both pages at once, the marker's SHA-256, the copy written at exit) at the same RTT, in every round. "× floor" is the median of the paired ratios, spawn to exit; the target, at ${TARGET_RTT} ms, is no slower than the floor (at most 1.00x). Requests and connections are the emulator's counters, the most in one run.`,
    '',
    '| start | RTT ms | ours: wall ms | floor: wall ms | × floor | ours: first line ms | floor: first line ms | first line over the floor | requests | connections | verdict |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...overFloor.map((o) => `| ${o.label} | ${o.rtt} | ${wallMs(o.wall)} | ${wallMs(o.floorWall)} | ${o.floorRatio === undefined ? '–' : `${o.floorRatio.toFixed(2)}x`} | ${wallMs(o.first)} | ${wallMs(o.floorFirst)} | ${signedMs(o.overMs)} ms | ${o.requests} | ${o.connections} | ${verdict(o)} |`),
    '',
  ];
}

export function renderTlsSection(tls) {
  const lines = [
    `Cold starts fetching the 20 secrets from the emulator over HTTPS (its own certificate, trusted through \`NODE_EXTRA_CA_CERTS\`) at a round-trip time (RTT) of ${RTTS.join(', ')} ms, made by the emulator's latency relay on loopback (\`latencyMs\`: each chunk half an RTT late each way, a connection's first bytes one RTT late for the TCP handshake; src/emulator/README.md). ${tls.runs} timed run(s) per cell after ${tls.warmup} warm-up round(s), interleaved (bench/tls.mjs). Connections, TLS handshakes and requests are the emulator's counts (the most seen in one run).`,
    '',
    `The least a cold start can pay is ${MIN_ROUND_TRIPS} round trips: TCP 1 + TLS 1.3 1 + the two list pages asked for in one round 1, on two connections whose handshakes overlap (the same-job floors too: ${FLOOR_ROUND_TRIPS}; the URL is an IP literal, so no name lookup; a host name adds its lookup, which the emulator does not emulate). "round trips" is the relay's count, from the order of bytes and not from time: 1 for TCP, plus 1 for each flight of client bytes the server answered (the most in one run, over both RTTs). Two figures in time show what they cost: "on the wire" is the relay's span at ${Math.max(...RTTS)} ms, from accepting the connection to delivering the last byte to the client, divided by the RTT (median of the runs; above the count by the work the two ends do between flights, such as TLS setup and crypto, loading modules, reading JSON, more when other work shares the machine, and the relay's timer slack of about 1 ms per hop); "paid in wall time" is the least-squares slope of the median wall time over the RTT (what the user waits: below the count when part of the wait overlaps work the start does anyway, and noisy, since every run's CPU time is in it). Verdict: its connections, each with a full TLS handshake, and 2 requests in every run, and the least round trips (the most any one connection paid).`,
    '',
    '| start | its 2 connections, each with a full handshake, 2 requests in every run | round trips | least | verdict | on the wire ÷ RTT | paid in wall time ÷ RTT |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...tls.starts.map(
      (s) => `| ${s.label} | ${s.countsOk ? 'yes' : 'no'} | ${s.exchanges ?? '–'} | ${s.least} | ${s.verdict === 'pass' ? '**pass**' : '**FAIL**'} | ${fixed(s.wire, 2)} | ${fixed(s.roundTrips)} |`,
    ),
    '',
    `Each cell ("over RTT 0 ÷ RTT": the wall-time figure from one RTT alone). Every wall time includes what \`NODE_EXTRA_CA_CERTS\` alone costs a Node process, ${tls.extraCaMs === undefined || Number.isNaN(tls.extraCaMs) ? '–' : `${signedMs(tls.extraCaMs)} ms`} here (bare \`node app.js\` with and without it, in the same rounds; Node builds its whole root store at start when it is set), once per Node process: \`run\` starts two. A server with a public CA's certificate needs no such variable.`,
    '',
    ...renderOverFloor(tls.overFloor),
    '| start | RTT ms | median wall ms | over RTT 0 ms | over RTT 0 ÷ RTT | on the wire ÷ RTT | round trips | connections | full TLS handshakes | resumed | requests |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...tls.rows.map(
      (r) => `| ${r.label} | ${r.rtt} | ${wallMs(r.wall)} | ${r.over === undefined ? '–' : `+${fixed(r.over)}`} | ${fixed(r.perRtt)} | ${fixed(r.wire, 2)} | ${r.exchanges ?? '–'} | ${r.connections} | ${r.tlsFull} | ${r.tlsResumed} | ${r.requests} |`,
    ),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, runs: { type: 'string' }, out: { type: 'string' } }, strict: true });
  const packageRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const log = (line) => process.stderr.write(`bench: ${line}\n`);
  const runs = values.runs ? Number(values.runs) : values.quick ? 1 : 5;
  const project = makeProject({ packageRoot });
  try {
    const machine = describeMachine(packageRoot);
    const tls = await runTls({ runs, warmup: values.quick ? 0 : 1, project, packageRoot, log });
    const load = (l) => l.map((v) => v.toFixed(2)).join(' / ');
    const text = [
      `Written by \`node bench/tls.mjs${values.runs ? ` --runs ${values.runs}` : ''}${values.quick ? ' --quick' : ''}\` on ${machine.date}, apart from a full \`npm run bench\` (which measures it again); do not edit by hand.`,
      `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Node ${machine.node}. Load average (1, 5, 15 min) ${load(machine.loadBefore)} before, ${load(os.loadavg())} after: the times carry other work on the machine, the counts do not.`,
      '',
      renderTlsSection(tls),
      '',
    ].join('\n');
    if (values.out) writeFileSync(resolve(values.out), text);
    else process.stdout.write(text);
    for (const failure of tls.failures) log(`FAILED ${failure}`);
    for (const start of tls.starts) if (start.verdict !== 'pass' && start.countsOk) log(`over the least: ${start.label} took ${start.exchanges} round trips`);
    process.exitCode = tls.failures.length > 0 ? 1 : 0;
  } finally {
    project.remove();
  }
}

