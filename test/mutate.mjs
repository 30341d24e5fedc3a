#!/usr/bin/env node
/**
 * `npm run mutate [-- MODULE...]`: StrykerJS over the modules that in-process tests reach,
 * one module at a time (the machine is shared; each module keeps its own incremental file,
 * so a second run re-tests only mutants whose code or tests changed). Prints the score per
 * module and merges the per-module reports into one Stryker JSON report.
 *
 *   npm run mutate                  every module
 *   npm run mutate -- mask wire     those modules
 *   npm run mutate -- --ci          the small fixed set CI runs (a few minutes)
 *   npm run mutate -- --merge       no run: merge the per-module reports there are
 *
 * Reports go to test/reports/latest/ (ignored); with CLARIFAI_SECRETS_REPORTS_DIR=test/reports
 * (`npm run reports`) the merged report is the committed test/reports/mutation.json.
 * Exit code 1 when a module scores under 85%.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const MODULES = {
  settings: ['src/settings/config.ts', 'src/settings/selection.ts', 'src/settings/references.ts'],
  // The synchronous path runs its fetch in a worker built into dist/: the spawned tests
  // (e2e, fault matrix) reach it, in-process tests cannot.
  load: ['src/load/*.ts', '!src/load/loader-sync.ts', '!src/load/sync-worker.ts', '!src/load/sync-protocol.ts'],
  client: ['src/api/client.ts'],
  wire: ['src/api/wire.ts'],
  mask: ['src/cli/mask.ts'],
  formats: ['src/cli/formats.ts'],
  store: ['src/emulator/store.ts'],
  decode: ['src/emulator/decode.ts'],
  errors: ['src/errors.ts'],
};
// Two modules whose tests are quick and in-process: a few minutes on CI's machine.
const CI_SET = ['mask', 'wire'];
const BREAK = 85;

const args = process.argv.slice(2);
// --merge: no run, only the merged report (and the table) from the per-module reports there are.
const names = args.includes('--merge') ? [] : args.includes('--ci') ? CI_SET : args.length > 0 ? args : Object.keys(MODULES);
for (const name of names) {
  if (!(name in MODULES)) {
    console.error(`mutate: unknown module "${name}"; modules: ${Object.keys(MODULES).join(', ')}`);
    process.exit(2);
  }
}

const latest = join('test', 'reports', 'latest');
const out = process.env.CLARIFAI_SECRETS_REPORTS_DIR ?? latest;
mkdirSync(join(latest, 'mutation'), { recursive: true });
mkdirSync(out, { recursive: true });

// The tests under Stryker write their own reports into its sandbox, never into ours.
const { CLARIFAI_SECRETS_REPORTS_DIR: _ignored, ...testEnv } = process.env;
const scores = [];
for (const name of names) {
  const report = join(latest, 'mutation', `${name}.json`);
  const result = spawnSync(
    process.execPath,
    [join('node_modules', '@stryker-mutator', 'core', 'bin', 'stryker.js'), 'run', '--mutate', MODULES[name].join(',')],
    {
      stdio: 'inherit',
      env: {
        ...testEnv,
        CLARIFAI_SECRETS_MUTATING: '1',
        STRYKER_REPORT: report,
        STRYKER_INCREMENTAL: join(latest, 'mutation', `${name}.incremental.json`),
      },
    },
  );
  if (result.status !== 0) process.exit(result.status ?? 1);
  scores.push([name, score(JSON.parse(readFileSync(report, 'utf8')))]);
}

/** Stryker's mutation score: detected / (detected + undetected), errors and ignored left out. */
function score(report) {
  let detected = 0;
  let undetected = 0;
  for (const file of Object.values(report.files)) {
    for (const mutant of file.mutants) {
      if (mutant.status === 'Killed' || mutant.status === 'Timeout') detected++;
      else if (mutant.status === 'Survived' || mutant.status === 'NoCoverage') undetected++;
    }
  }
  return { detected, undetected, percent: (100 * detected) / Math.max(1, detected + undetected) };
}

/** The commit the work tree is at, and whether it has changes on top of it (reports aside). */
function describedCommit() {
  const git = (...a) => spawnSync('git', a, { encoding: 'utf8' }).stdout?.trim() ?? '';
  const head = git('rev-parse', '--short=12', 'HEAD') || 'unknown';
  return git('status', '--porcelain', '--', '.', ':!test/reports').length > 0 ? `${head} with uncommitted changes` : head;
}

// One report for every module that has one, in Stryker's JSON format (files merged), with
// the commit it describes and the score per module.
const merged = { commit: describedCommit(), modules: {}, files: {} };
for (const name of Object.keys(MODULES)) {
  const file = join(latest, 'mutation', `${name}.json`);
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const { files, ...rest } = report;
  const s = score(report);
  merged.modules[name] = { files: MODULES[name], score: Math.round(s.percent * 10) / 10, detected: s.detected, undetected: s.undetected };
  Object.assign(merged, rest, { commit: merged.commit, modules: merged.modules, files: { ...merged.files, ...files } });
}
const mergedFile = join(out, 'mutation.json');
writeFileSync(`${mergedFile}.tmp`, `${JSON.stringify(merged)}\n`);
renameSync(`${mergedFile}.tmp`, mergedFile);

console.log('\nmodule      score   killed+timeout / all tested');
for (const [name, s] of scores) {
  console.log(`${name.padEnd(10)} ${s.percent.toFixed(1).padStart(6)}%   ${s.detected} / ${s.detected + s.undetected}`);
}
console.log(`merged report: ${mergedFile}`);
// CONTRIBUTING.md's table, from the merged report.
console.log('\n| module | files | mutants detected / tested | score |\n|---|---|---|---|');
for (const [name, m] of Object.entries(merged.modules)) {
  const files = m.files.filter((f) => !f.startsWith('!')).map((f) => `\`${f}\``).join(', ');
  console.log(`| ${name} | ${files} | ${m.detected} / ${m.detected + m.undetected} | ${m.score.toFixed(1)}% |`);
}
if (scores.some(([, s]) => s.percent < BREAK)) {
  console.error(`mutate: a module scores under ${BREAK}%`);
  process.exit(1);
}
