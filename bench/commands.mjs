/**
 * The commands of the startup run. Every row runs app.js in the scratch project with the
 * same environment (only the cache TTL differs), and says what it must have produced:
 * `n` BENCH_ variables in the app, and whether the emulator must have seen requests.
 *
 * group: 'baseline' (bare node), 'target' (ours), 'anchor' (the tools users compare us
 * with), 'floor' (what the pieces cost, see floors/README.md); 'baseline-ca' and 'target-ca'
 * repeat the baseline and targets with this machine's NODE_EXTRA_CA_CERTS, each paired with
 * its own bare run.
 *
 * A target's limit is a ratio to its floor (`floor.id`, run right before the target in every
 * round): the same job done by a short script of Node's built-ins (floors/same-job.cjs), or
 * what users compare with (`node -r dotenv/config`, bare `node app.js` for a child the marker
 * covers). Those floors run in every mode, the quick one included; the others only with --floors.
 */
import { dirname } from 'node:path';
import { PAT } from './fixtures.mjs';

export const CACHE_TTL = '3600';

export function baseEnv(project, baseUrl, extra = {}) {
  return {
    // The node that runs the harness is the node of every command, wrappers' children included.
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: project.home,
    LANG: 'C',
    CLARIFAI_PAT: PAT,
    CLARIFAI_API_BASE: baseUrl,
    CLARIFAI_SECRETS_CACHE_DIR: project.cacheDir,
    CLARIFAI_SECRETS_CACHE_TTL: '0',
    FLOOR_CACHE_FILE: project.floorCache,
    ...extra,
  };
}

export function startupRows(project, baseUrl, { cli, floors, marker }) {
  const node = process.execPath;
  const fetch = baseEnv(project, baseUrl);
  const cached = baseEnv(project, baseUrl, { CLARIFAI_SECRETS_CACHE_TTL: CACHE_TTL });
  const row = (id, group, label, argv, expect, extra = {}) => ({
    id,
    group,
    label,
    argv,
    env: extra.env ?? fetch,
    expect,
    ...extra,
  });
  const loaded = (requests) => ({ n: 20, requests });

  const rows = [
    row('bare', 'baseline', 'node app.js', [node, 'app.js'], { n: 0, requests: 'none' }),

    row('import-fetch', 'target', 'node --import clarifai-secrets/register app.js (fetch 20)', [node, '--import', 'clarifai-secrets/register', 'app.js'], loaded('some'), { floor: { id: 'import-job', maxRatio: 1.1 } }),
    row('import-cache', 'target', 'node --import clarifai-secrets/register app.js (fresh cache)', [node, '--import', 'clarifai-secrets/register', 'app.js'], loaded('none'), { floor: { id: 'import-job-warm', maxRatio: 1.05 }, env: cached }),
    row('require-fetch', 'target', 'node -r clarifai-secrets/register app.js (fetch 20)', [node, '-r', 'clarifai-secrets/register', 'app.js'], loaded('some'), { floor: { id: 'require-job', maxRatio: 1.1 } }),
    row('require-cache', 'target', 'node -r clarifai-secrets/register app.js (fresh cache)', [node, '-r', 'clarifai-secrets/register', 'app.js'], loaded('none'), { floor: { id: 'dotenv-config', maxRatio: 1.05 }, env: cached }),
  ];
  if (cli.available) {
    rows.push(
      row('run-fetch', 'target', 'clarifai-secrets run -- node app.js (fetch 20)', [project.bin.clarifaiSecrets, 'run', '--', 'node', 'app.js'], loaded('some'), { floor: { id: 'run-job', maxRatio: 1.1 } }),
      row('run-cache', 'target', 'clarifai-secrets run -- node app.js (fresh cache)', [project.bin.clarifaiSecrets, 'run', '--', 'node', 'app.js'], loaded('none'), { floor: { id: 'run-job-warm' }, env: cached }),
    );
  }
  // A child whose parent already loaded: the marker and the 20 values in its environment, no
  // token (as `run` leaves it), against bare `node app.js` (the paired baseline itself).
  if (marker) {
    const { CLARIFAI_PAT: _token, ...child } = fetch;
    const covered = { ...child, ...marker.env };
    rows.push(
      row('import-marker', 'target', 'node --import clarifai-secrets/register app.js (the marker covers it)', [node, '--import', 'clarifai-secrets/register', 'app.js'], loaded('none'), { floor: { id: 'bare', maxRatio: 1.03 }, env: covered }),
      row('require-marker', 'target', 'node -r clarifai-secrets/register app.js (the marker covers it)', [node, '-r', 'clarifai-secrets/register', 'app.js'], loaded('none'), { floor: { id: 'bare', maxRatio: 1.03 }, env: covered }),
    );
  }
  // The same rows in this machine's own environment: the "bare node takes about 100 ms" figure
  // was measured with NODE_EXTRA_CA_CERTS set, which every Node process then pays for.
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  if (ca) {
    rows.push(row('bare-ca', 'baseline-ca', 'node app.js (NODE_EXTRA_CA_CERTS set)', [node, 'app.js'], { n: 0, requests: 'none' }, { env: { ...fetch, NODE_EXTRA_CA_CERTS: ca } }));
    for (const target of rows.filter((r) => r.group === 'target')) {
      const { floor: _floor, ...rest } = target; // the floors run in the clean environment only
      rows.push({ ...rest, id: `${target.id}-ca`, group: 'target-ca', label: `${target.label} (NODE_EXTRA_CA_CERTS set)`, env: { ...target.env, NODE_EXTRA_CA_CERTS: ca }, pairWith: 'bare-ca' });
    }
  }
  rows.push(
    row('env-file', 'anchor', 'node --env-file=bench.env app.js', [node, '--env-file=bench.env', 'app.js'], loaded('none')),
    row('dotenv-config', 'anchor', 'node -r dotenv/config app.js', [node, '-r', 'dotenv/config', 'app.js', 'dotenv_config_path=bench.env', 'dotenv_config_quiet=true'], loaded('none')),
    row('dotenv-cli', 'anchor', 'dotenv -e bench.env -- node app.js (dotenv-cli)', [project.bin.dotenv, '-e', 'bench.env', '--', 'node', 'app.js'], loaded('none')),
    row('dotenvx', 'anchor', 'dotenvx run -f bench.env -- node app.js', [project.bin.dotenvx, 'run', '--quiet', '-f', 'bench.env', '--', 'node', 'app.js'], loaded('none')),
  );
  const floor = (id, label, argv, expect, extra) => row(id, 'floor', label, [node, ...argv, 'app.js'], expect, extra);
  // The floors the targets are measured against: always run.
  rows.push(
    floor('import-job', '--import: the same job by hand (both pages at once, marker hash, copy written at exit)', ['--import', './floors/job-import.mjs'], loaded('some')),
    floor('import-job-warm', '--import: the same job by hand (copy read and decrypted, marker hash)', ['--import', './floors/job-import.mjs'], loaded('none'), { env: cached }),
    floor('require-job', '-r: the same job by hand (Module.runMain waits for both pages, marker hash, copy written at exit)', ['-r', './floors/job-require.cjs'], loaded('some')),
    // Not a target's floor (warm -r is held to dotenv): the step between dotenv and ours that
    // the contract requires, the copy read and decrypted (node:crypto loaded for it).
    floor('require-job-warm', '-r: the same job by hand (copy read and decrypted, marker hash)', ['-r', './floors/job-require.cjs'], loaded('none'), { env: cached }),
    row('run-job', 'floor', 'run: the same job by hand (node floors/job-run.cjs node app.js: both pages, marker hash, copy written, spawn)', [node, 'floors/job-run.cjs', 'node', 'app.js'], loaded('some')),
    row('run-job-warm', 'floor', 'run: the same job by hand, warm (node floors/job-run.cjs node app.js: copy read, spawn)', [node, 'floors/job-run.cjs', 'node', 'app.js'], loaded('none'), { env: cached }),
  );
  if (floors) {
    rows.push(
      floor('import-empty', '--import an empty file', ['--import', './floors/empty.mjs'], { n: 0, requests: 'none' }),
      floor('import-http-floor', '--import: fetch 20 with node:http, one page after the other', ['--import', './floors/http-fetch.mjs'], loaded('some')),
      floor('require-runmain-floor', '-r: Module.runMain waits for a node:http fetch, one page after the other', ['-r', './floors/runmain-fetch.cjs'], loaded('some')),
      row('bare-esm', 'floor', 'node app.mjs (the app as ESM)', [node, 'app.mjs'], { n: 0, requests: 'none' }),
      floor('require-empty', '-r an empty file', ['-r', './floors/empty.cjs'], { n: 0, requests: 'none' }),
      row('import-empty-package', 'floor', '--import empty-package/register (an empty module, resolved by package name)', [node, '--import', 'empty-package/register', 'app.js'], { n: 0, requests: 'none' }),
      row('require-empty-package', 'floor', '-r empty-package/register (an empty module, resolved by package name)', [node, '-r', 'empty-package/register', 'app.js'], { n: 0, requests: 'none' }),
      floor('import-package', "--import: `import 'clarifai-secrets'`, no call", ['--import', './floors/import-package.mjs'], { n: 0, requests: 'none' }),
      floor('require-package', "-r: `require('clarifai-secrets')`, no call", ['-r', './floors/require-package.cjs'], { n: 0, requests: 'none' }),
      floor('import-cache-floor', '--import: decrypt a cached copy (node:fs + node:crypto only)', ['--import', './floors/cache-read.mjs'], loaded('none')),
      floor('require-cache-floor', '-r: decrypt a cached copy (node:fs + node:crypto only)', ['-r', './floors/cache-read.cjs'], loaded('none')),
      floor('import-undici-floor', '--import: fetch 20 with undici', ['--import', './floors/undici-fetch.mjs'], loaded('some')),
      floor('require-worker-empty', '-r: a worker thread that answers at once', ['-r', './floors/worker-empty.cjs'], { n: 0, requests: 'none' }),
      floor('require-worker-floor', '-r: fetch 20 with node:http in a worker + Atomics.wait', ['-r', './floors/worker-fetch.cjs'], loaded('some')),
      row('run-floor-spawn', 'floor', 'run floor: node floors/spawn-wrapper.cjs node app.js (spawn only)', [node, 'floors/spawn-wrapper.cjs', 'node', 'app.js'], { n: 0, requests: 'none' }),
      floor('require-execfile-floor', '-r: execFileSync of a tiny node:http fetcher', ['-r', './floors/execfile-fetch.cjs'], loaded('some')),
    );
  }
  return rows;
}
