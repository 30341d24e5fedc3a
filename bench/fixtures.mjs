/**
 * The data every run shares: the 20 secrets of the startup rows, the secrets of the scale
 * run, and the emulator that serves them (in this process, on loopback, port 0).
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

export const PAT = 'bench-pat-0123456789abcdef';
export const USER = 'bench';

const value = (i) => `sk-bench-${String(i).padStart(6, '0')}-${'x'.repeat(32)}`;

/** BENCH_01 ... BENCH_20: what the preload rows fetch and what the anchors read from bench.env. */
export const STARTUP_SECRETS = Array.from({ length: 20 }, (_, i) => ({
  id: `BENCH_${String(i + 1).padStart(2, '0')}`,
  value: value(i + 1),
}));

export const scaleUser = (n) => `scale-${n}`;
export const scalePat = (n) => `bench-pat-scale-${n}`;
export const scaleSecrets = (n) =>
  Array.from({ length: n }, (_, i) => ({ id: `BENCH_S${String(i + 1).padStart(5, '0')}`, value: value(i + 1) }));

export async function startBenchEmulator(packageRoot, scaleSizes) {
  const { startEmulator } = await import(pathToFileURL(join(packageRoot, 'dist', 'emulator.js')).href);
  const pats = { [PAT]: USER };
  const users = { [USER]: STARTUP_SECRETS };
  for (const n of scaleSizes) {
    pats[scalePat(n)] = scaleUser(n);
    users[scaleUser(n)] = scaleSecrets(n);
  }
  return startEmulator({ port: 0, pats, users, maxRecordedRequests: 10_000 });
}
