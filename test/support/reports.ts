/**
 * Where the reliability tests write their reports. A plain `npm test` writes to
 * test/reports/latest/ (ignored by git), so a test run never changes the work tree; the
 * committed copies in test/reports/ are rewritten only by `npm run reports`, which points
 * CLARIFAI_SECRETS_REPORTS_DIR there. Every report names the commit it describes.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { REPO_ROOT } from './package-link.js';

export function reportsDir(): string {
  const chosen = process.env['CLARIFAI_SECRETS_REPORTS_DIR'];
  const dir = chosen ? (isAbsolute(chosen) ? chosen : join(REPO_ROOT, chosen)) : join(REPO_ROOT, 'test', 'reports', 'latest');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The commit the work tree is at, and whether it has changes on top of it. */
export function describedCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const head = git('rev-parse', '--short=12', 'HEAD');
    // Reports themselves are what a regeneration changes: they do not make the tree dirty.
    const dirty = git('status', '--porcelain', '--', '.', ':!test/reports').length > 0;
    return dirty ? `${head} with uncommitted changes` : head;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Writes `name` (a .json object gets a `commit` field first) into the reports folder. */
export function writeReport(name: string, content: string | Record<string, unknown>): void {
  const text =
    typeof content === 'string' ? content : `${JSON.stringify({ commit: describedCommit(), ...content }, null, 2)}\n`;
  writeFileSync(join(reportsDir(), name), text);
}
