/**
 * The fault matrix: every entry point x every fault the emulator can inject, without a
 * last-known-good copy and with one. Each cell checks the outcome, the time against the
 * deadline, that no stack trace was printed, and that no value or token leaked. The run
 * writes the table to test/reports/fault-matrix.md (and .json).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { startEmulator } from '../../src/emulator/index.js';
import { diskCacheFor, prepareJob } from '../../src/load-job.js';
import { type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { type Expected, FAULTS, type FaultCase } from './faults.js';
import { type Entry, ENTRIES, type Outcome, hashOf, writeEntryFiles } from './matrix-entries.js';

const PAT = 'pat-MATRIX-1f2e3d4c5b6a';
const TIMEOUT_MS = 1500;
/** Process start and teardown on a loaded 2-core machine, on top of the deadline. */
const SLACK_MS = 4000;
const SEED = [
  { id: 'MX_A', value: 'mx-value-A-7c1d' },
  { id: 'MX_B', value: 'mx-value-B-8e2f' },
  { id: 'MX_C', value: 'mx-value-C-9a3b' },
];

export interface Row {
  entry: string;
  fault: string;
  copy: 'cold' | 'warm';
  expected: string;
  actual: string;
  ms: number;
  pass: boolean;
  problems: string[];
}

const rows: Row[] = [];
let project: Project;

beforeAll(() => {
  project = makeProject('cs-matrix-');
  writeEntryFiles(project);
});
afterAll(() => {
  project.remove();
  writeReport(rows);
});

function describeExpected(e: Expected): string {
  if (e.kind === 'error') return e.codes.join(' or ');
  return e.kind === 'loaded' ? (e.retried ? 'retried, loaded' : 'loaded') : 'fallback';
}

function describeOutcome(o: Outcome): string {
  return o.kind === 'error' ? (o.code ?? 'error without a code') : o.kind;
}

/** Writes the copy a past successful load would have left for this URL and selection. */
function seedCopy(baseUrl: string, cacheDir: string, secrets: string | undefined, entries: Array<[string, string]>): void {
  const config = resolveConfig({ pat: PAT, baseUrl, cacheDir, envFile: false, allowInsecureHttp: true, ...(secrets ? { secrets } : {}) }, {});
  diskCacheFor(prepareJob({}, config), () => undefined)?.write({ at: Date.now() - 60_000, entries, missing: [], dangerous: [] });
}

function check(fault: FaultCase, expected: Expected, outcome: Outcome, expectedHashes: Record<string, string>, retried: boolean): string[] {
  const problems: string[] = [];
  const kind = outcome.kind === 'cache' ? 'loaded' : outcome.kind;
  if (expected.kind === 'error') {
    if (kind !== 'error' || !outcome.code || !expected.codes.includes(outcome.code)) problems.push('outcome');
  } else if (kind !== expected.kind) {
    problems.push('outcome');
  } else if (JSON.stringify(outcome.loaded) !== JSON.stringify(expectedHashes)) {
    problems.push('values');
  }
  if (expected.kind === 'loaded' && expected.retried && !retried) problems.push('no retry seen');
  if (outcome.ms > TIMEOUT_MS + SLACK_MS) problems.push('deadline');
  if (/\n\s+at .+:\d+:\d+\)?\s*\n/.test(outcome.output)) problems.push('stack trace');
  const planted = [PAT, ...SEED.map((s) => s.value), ...(fault.seed ?? []).map((s) => s.value)];
  if (planted.some((p) => outcome.output.includes(p))) problems.push('LEAK');
  return problems;
}

function sorted(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function runEntry(entry: Entry): Promise<Row[]> {
  const emulator = await startEmulator({ pats: [PAT], users: { 'matrix-user': [] } });
  const own: Row[] = [];
  try {
    for (const fault of FAULTS) {
      for (const copy of ['cold', 'warm'] as const) {
        emulator.reset();
        const seed = [...SEED, ...(fault.seed ?? [])];
        emulator.seed('matrix-user', seed);
        const baseUrl = fault.inject(emulator) ?? emulator.url;
        const cacheDir = mkdtempSync(join(tmpdir(), 'cs-matrix-cache-'));
        const envName = (id: string) => id.replace(/[^A-Za-z0-9_]/g, '_');
        const wanted = seed.filter((s) => !fault.secrets || fault.secrets.split(',').includes(s.id));
        if (copy === 'warm') {
          seedCopy(baseUrl, cacheDir, fault.secrets, wanted.map((s): [string, string] => [envName(s.id), s.value]));
        }
        const expected = copy === 'cold' ? fault.cold : fault.warm;
        const outcome = await entry.run({ baseUrl, pat: PAT, cacheDir, timeoutMs: TIMEOUT_MS, ...(fault.secrets ? { secrets: fault.secrets } : {}) }, project);
        rmSync(cacheDir, { recursive: true, force: true });
        const hashes = sorted(Object.fromEntries(wanted.map((s) => [envName(s.id), hashOf(s.value)])));
        const retried = emulator.requests.some((r) => r.status !== 200 || r.fault !== undefined);
        const problems = check(fault, expected, { ...outcome, ...(outcome.loaded ? { loaded: sorted(outcome.loaded) } : {}) }, hashes, retried);
        own.push({
          entry: entry.name,
          fault: fault.name,
          copy,
          expected: describeExpected(expected),
          actual: describeOutcome(outcome),
          ms: outcome.ms,
          pass: problems.length === 0,
          problems,
        });
      }
    }
  } finally {
    await emulator.close();
  }
  return own;
}

describe.concurrent('fault matrix', () => {
  for (const entry of ENTRIES) {
    it(`${entry.name} survives every fault`, async () => {
      const own = await runEntry(entry);
      rows.push(...own);
      const failed = own.filter((r) => !r.pass).map((r) => `${r.fault} (${r.copy}): expected ${r.expected}, got ${r.actual} [${r.problems.join(', ')}] in ${r.ms} ms`);
      expect(failed).toEqual([]);
    }, 600_000);
  }
});

function writeReport(all: Row[]): void {
  if (all.length === 0) return;
  const dir = join(REPO_ROOT, 'test', 'reports');
  mkdirSync(dir, { recursive: true });
  const entries = [...new Set(all.map((r) => r.entry))];
  const faults = [...new Set(all.map((r) => r.fault))];
  const passed = all.filter((r) => r.pass).length;
  const leaks = all.filter((r) => r.problems.includes('LEAK')).length;
  const survived = faults.filter((f) => all.filter((r) => r.fault === f).every((r) => r.pass)).length;
  const cell = (fault: string, entry: string) =>
    (['cold', 'warm'] as const)
      .map((copy) => all.find((r) => r.fault === fault && r.entry === entry && r.copy === copy))
      .map((r) => (r ? `${r.pass ? '' : '**FAIL** '}${r.actual} ${r.ms}ms` : '-'))
      .join(' / ');
  const lines = [
    '# Fault matrix',
    '',
    `Generated by \`npx vitest run test/reliability/fault-matrix.test.ts\` (part of \`npm test\`) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}.`,
    `Deadline (CLARIFAI_SECRETS_TIMEOUT) ${TIMEOUT_MS} ms per load; times include starting the process.`,
    'Each cell: without a last-known-good copy / with one. `fallback` means the copy was served and the report said so.',
    '',
    `**${passed} of ${all.length} cells passed; ${survived} of ${faults.length} faults survived by every entry point; leaks found: ${leaks}.**`,
    '',
    `| fault | expected | ${entries.join(' | ')} |`,
    `|---|---|${entries.map(() => '---').join('|')}|`,
    ...faults.map((fault) => {
      const sample = all.filter((r) => r.fault === fault);
      const expected = `${sample.find((r) => r.copy === 'cold')?.expected} / ${sample.find((r) => r.copy === 'warm')?.expected}`;
      return `| ${fault} | ${expected} | ${entries.map((e) => cell(fault, e)).join(' | ')} |`;
    }),
    '',
  ];
  writeFileSync(join(dir, 'fault-matrix.md'), lines.join('\n'));
  writeFileSync(join(dir, 'fault-matrix.json'), `${JSON.stringify({ timeoutMs: TIMEOUT_MS, passed, cells: all.length, faults: faults.length, survived, leaks, rows: all }, null, 2)}\n`);
}
