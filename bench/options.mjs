/**
 * Command-line options of `npm run bench`:
 *   --quick            CI mode: few runs, no profile, report to stdout (and --out if given)
 *   --runs N           timed runs per command (default 20; quick 3)
 *   --warmup N         untimed rounds first (default 2; quick 1)
 *   --out FILE         where the report goes (default bench/README.md; quick: none)
 *   --package DIR      the package to measure (default: this repository), e.g. a patched copy
 *   --no-floors        skip the floor experiments
 *   --no-scale         skip the scale run
 *   --no-profile       skip the CPU profiles (--profile: run them in quick mode too)
 *   --no-watch         skip the cost of a watchSecrets poll (bench/watch-poll.mjs)
 *   --no-tls           skip the cold starts over TLS at 0, 20 and 50 ms RTT (bench/tls.mjs)
 *   --only ID,...      only these startup rows (with bare node and each target's floor), no
 *                      other section: for trying a change (ids: bench/commands.mjs)
 *   --nodes BIN,...    also measure the targets (with their floors and bare node) on these
 *                      node binaries, in a run of their own each after the main one
 *   --from FILE        measure nothing: render the report again from a results.json
 *                      (after editing findings.md); the full mode saves bench/results.json
 * BENCH_QUICK=1 in the environment is the same as --quick.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(BENCH_DIR, '..');

export function readOptions(argv = process.argv.slice(2), env = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      out: { type: 'string' },
      package: { type: 'string' },
      'no-floors': { type: 'boolean', default: false },
      'no-scale': { type: 'boolean', default: false },
      'no-profile': { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      'no-tls': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      from: { type: 'string' },
      only: { type: 'string' },
      nodes: { type: 'string' },
    },
    strict: true,
  });
  const only = values.only ? values.only.split(',').map((id) => id.trim()).filter(Boolean) : undefined;
  const quick = values.quick || ['1', 'true', 'yes'].includes(String(env.BENCH_QUICK ?? '').toLowerCase());
  const count = (text, fallback, min) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`expected a whole number >= ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  return {
    quick,
    runs: count(values.runs, quick ? 3 : 20, 1),
    warmup: count(values.warmup, quick ? 1 : 2, 0),
    out: values.out ? resolve(values.out) : quick || only ? undefined : resolve(BENCH_DIR, 'README.md'),
    packageRoot: values.package ? resolve(values.package) : REPO_ROOT,
    floors: !values['no-floors'],
    scale: !values['no-scale'],
    profile: values.profile || (!quick && !values['no-profile']),
    watch: !values['no-watch'],
    tls: !values['no-tls'],
    // Cold starts over TLS: few runs per cell (24 cells: 6 starts at 4 RTTs, each a few hundred ms).
    tlsRuns: quick ? 1 : 7,
    from: values.from ? resolve(values.from) : undefined,
    only,
    nodes: values.nodes ? values.nodes.split(',').map((bin) => resolve(bin.trim())).filter(Boolean) : [],
    results: quick || only || values.out ? undefined : resolve(BENCH_DIR, 'results.json'),
    scaleSizes: [1, 10, 100, 1_000, 10_000],
    scaleRuns: quick ? 1 : 5,
  };
}
