#!/usr/bin/env node
/**
 * What one watchSecrets poll costs: requests (from the emulator's log) and CPU time of the
 * watching process, at 20 and 1,000 secrets (every secret selected: the list walk).
 *
 * A child process loads once, then watches with a short interval for a fixed window and
 * prints its own process.cpuUsage() over that window; the emulator runs in this process, so
 * its work is not counted. Polls are the list walks that started inside the window. CPU per
 * poll is the window's CPU divided by its polls (an idle process between polls costs ~0).
 * Checks: every poll is one list walk of at most 2 requests. Time is reported, never asserted.
 *
 * Alone: `npm run build && node bench/watch-poll.mjs [--quick]` prints the section.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PAT, scalePat, scaleSecrets, scaleUser, STARTUP_SECRETS, USER } from './fixtures.mjs';

export const WATCH_SIZES = [20, 1_000];
const INTERVAL_MS = 250;

const CHILD = `
const [entry, windowMs, intervalMs] = process.argv.slice(1);
const { watchSecrets } = await import(entry);
const watcher = await watchSecrets({
  env: {}, intervalMs: Number(intervalMs), cacheDir: false, envFile: false,
  onError: (error) => console.error('poll failed: ' + error.code),
});
const start = Date.now();
const cpu0 = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, Number(windowMs)));
const cpu = process.cpuUsage(cpu0);
const end = Date.now();
watcher.close();
console.log(JSON.stringify({ start, end, set: watcher.report.set.length, userUs: cpu.user, systemUs: cpu.system }));
`;

function runChild(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `emulator` must serve PAT (20 secrets) and scalePat(1000); see startWatchEmulator. */
export async function runWatchPolls({ packageRoot, emulator, quick = false, log = () => {} }) {
  const windowMs = quick ? 1_500 : 6_000;
  const entry = pathToFileURL(join(packageRoot, 'dist', 'index.js')).href;
  const rows = [];
  const failures = [];
  for (const n of WATCH_SIZES) {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CLARIFAI_PAT: n === 20 ? PAT : scalePat(n),
      CLARIFAI_API_BASE: emulator.url,
      CLARIFAI_SECRETS_TIMEOUT: '60000',
    };
    const ran = await runChild([entry, String(windowMs), String(INTERVAL_MS)], env);
    const line = ran.stdout.split('\n').find((l) => l.startsWith('{'));
    if (ran.code !== 0 || !line || ran.stderr !== '') {
      failures.push(`watch poll at ${n}: exit ${ran.code}: ${ran.stderr.split('\n')[0]}`);
      continue;
    }
    const result = JSON.parse(line);
    const inWindow = emulator.requests.filter((r) => r.at >= result.start && r.at <= result.end);
    const polls = inWindow.filter((r) => r.query.page === '1').length;
    const requests = inWindow.length;
    const cpuMs = (result.userUs + result.systemUs) / 1000;
    const row = { n, polls, requests, requestsPerPoll: polls ? requests / polls : NaN, cpuMsPerPoll: polls ? cpuMs / polls : NaN };
    if (result.set !== n) failures.push(`watch poll at ${n}: the first load set ${result.set} variables`);
    if (polls === 0) failures.push(`watch poll at ${n}: no poll in ${windowMs} ms`);
    else if (Math.ceil(row.requestsPerPoll) > 2) failures.push(`watch poll at ${n}: ${row.requestsPerPoll.toFixed(1)} requests per poll (at most 2)`);
    rows.push(row);
    log(`watch poll at ${n}: ${polls} polls, ${requests} requests, ${row.cpuMsPerPoll.toFixed(2)} ms CPU each`);
  }
  return { intervalMs: INTERVAL_MS, windowMs, rows, failures };
}

export function renderWatchSection(watch) {
  const lines = [
    `One \`watchSecrets\` poll of every secret (the list walk at \`per_page=1000\`), from a process that watched for ${watch.windowMs / 1000} s at a ${watch.intervalMs} ms interval; CPU is that process's user + system time over the window divided by its polls (bench/watch-poll.mjs).`,
    '',
    '| secrets | polls | requests per poll | CPU per poll |',
    '|---:|---:|---:|---:|',
    ...watch.rows.map(
      (r) => `| ${r.n.toLocaleString('en-US')} | ${r.polls} | ${r.requestsPerPoll.toFixed(1)} | ${r.cpuMsPerPoll.toFixed(2)} ms |`,
    ),
  ];
  return lines.join('\n');
}

/** An emulator with the 20 startup secrets and 1,000 more, for running this module alone. */
export async function startWatchEmulator(packageRoot) {
  const { startEmulator } = await import(pathToFileURL(join(packageRoot, 'dist', 'emulator.js')).href);
  return startEmulator({
    port: 0,
    pats: { [PAT]: USER, [scalePat(1000)]: scaleUser(1000) },
    users: { [USER]: STARTUP_SECRETS, [scaleUser(1000)]: scaleSecrets(1000) },
    maxRecordedRequests: 10_000,
  });
}

/** The whole measurement with an emulator of its own (the scale run may be off). */
export async function measureWatchPolls({ packageRoot, quick, log }) {
  const emulator = await startWatchEmulator(packageRoot);
  try {
    return await runWatchPolls({ packageRoot, emulator, quick, log });
  } finally {
    await emulator.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const packageRoot = join(fileURLToPath(new URL('.', import.meta.url)), '..');
  const log = (line) => process.stderr.write(`bench: ${line}\n`);
  const watch = await measureWatchPolls({ packageRoot, quick: process.argv.includes('--quick'), log });
  process.stdout.write(`${renderWatchSection(watch)}\n`);
  for (const failure of watch.failures) log(`FAILED ${failure}`);
  process.exitCode = watch.failures.length > 0 ? 1 : 0;
}
