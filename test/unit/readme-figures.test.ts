/**
 * The documents' reliability figures (docs/reliability.md) and mutation scores
 * (CONTRIBUTING.md) are read from the committed reports in test/reports/ (rewritten by
 * `npm run reports`): a regenerated report that changes a figure fails here until the
 * documents say the same.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';

const reliability = readFileSync(join(REPO_ROOT, 'docs', 'reliability.md'), 'utf8');
const contributing = readFileSync(join(REPO_ROOT, 'CONTRIBUTING.md'), 'utf8');
const report = <T>(name: string): T => JSON.parse(readFileSync(join(REPO_ROOT, 'test', 'reports', name), 'utf8')) as T;
const n = (value: number): string => value.toLocaleString('en-US');

describe('the figures in docs/reliability.md and CONTRIBUTING.md', () => {
  it('match the committed reliability reports', () => {
    const matrix = report<{ passed: number; cells: number; faults: number; survived: number }>('fault-matrix.json');
    expect(reliability).toContain(`**${n(matrix.passed)} of ${n(matrix.cells)} cells passed**, ${matrix.survived} of ${matrix.faults} faults`);
    const sweep = report<{ runs: number; outputsChecked: number; filesChecked: number; leaksFound: number }>('leak-sweep.json');
    expect(reliability).toContain(`${n(sweep.runs)} runs, ${n(sweep.outputsChecked)} outputs and ${sweep.filesChecked} files checked, **${sweep.leaksFound} leaks**`);
    const fuzz = report<{ total: number }>('fuzz.json');
    expect(reliability).toContain(`| ${n(fuzz.total)} + `);
    const load = report<Record<string, number>>('concurrency.json');
    expect(reliability).toContain(
      `${load['cold--importRequests']} requests cold for \`--import\` and ${load['cold-rRequests']} for \`-r\`, ` +
        `**${load['warm--importRequests']} warm** for \`--import\` and **${load['warm-rRequests']}** for \`-r\``,
    );
  });

  it('match the committed mutation report, module by module', () => {
    const mutation = report<{ modules: Record<string, { score: number }> }>('mutation.json');
    expect(Object.keys(mutation.modules).length).toBeGreaterThan(0);
    for (const [name, { score }] of Object.entries(mutation.modules)) {
      expect(contributing).toMatch(new RegExp(`\\| ${name} \\|[^\\n]*\\| ${score.toFixed(1)}% \\|`));
    }
  });
});
