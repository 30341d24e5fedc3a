/**
 * Many loads at once: 50 concurrent loadSecrets() calls in one process, and 20 preloaded
 * processes started together against a cold and then a warm cache. The request counts go
 * to test/reports/concurrency.json for docs/reliability.md.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { loadSecrets } from '../../src/load/loader.js';
import { type Project, makeProject } from '../support/package-link.js';
import { writeReport } from '../support/reports.js';
import { join } from 'node:path';
import { baseEnv, runNode } from '../support/spawn.js';

const PAT = 'pat-CONCURRENCY-4e5f';
const TIMEOUT_MS = 10_000;
const figures: Record<string, number> = {};
let emulator: Emulator;
let project: Project;

beforeAll(async () => {
  emulator = await startEmulator({
    pats: [PAT],
    users: { c: Array.from({ length: 20 }, (_, i) => ({ id: `CC_${i}`, value: `concurrency-value-${i}` })) },
  });
  project = makeProject('cs-concurrency-');
  project.write('app.cjs', 'console.log(process.env.CC_0 && process.env.CC_19 ? "ok" : "missing")\n');
});
afterAll(async () => {
  await emulator.close();
  project.remove();
  writeReport('concurrency.json', figures);
});

describe('concurrency', () => {
  it('50 concurrent loadSecrets() calls in one process share one list walk', async () => {
    emulator.clearRequests();
    const loads = Array.from({ length: 50 }, () =>
      loadSecrets({ pat: PAT, baseUrl: emulator.url, envFile: false, cacheDir: false, env: {} }),
    );
    const reports = await Promise.all(loads);
    expect(reports.every((r) => r.set.length === 20)).toBe(true);
    figures['inProcessLoads'] = 50;
    figures['inProcessRequests'] = emulator.requests.length;
    expect(emulator.requests).toHaveLength(2);
  });

  it.each(['--import', '-r'] as const)('20 processes with %s at once: all start, cold then warm', async (flag) => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'cs-concurrency-cache-'));
    const start = () =>
      Promise.all(
        Array.from({ length: 20 }, () =>
          runNode([flag, 'clarifai-secrets/register', 'app.cjs'], {
            cwd: project.dir,
            env: baseEnv({
              CLARIFAI_PAT: PAT,
              CLARIFAI_API_BASE: emulator.url,
              CLARIFAI_SECRETS_CACHE_DIR: cacheDir,
              CLARIFAI_SECRETS_CACHE_TTL: '300',
              CLARIFAI_SECRETS_TIMEOUT: String(TIMEOUT_MS),
            }),
          }),
        ),
      );
    emulator.clearRequests();
    const cold = await start();
    expect(cold.map((r) => r.stdout.trim())).toEqual(Array(20).fill('ok'));
    expect(Math.max(...cold.map((r) => r.ms))).toBeLessThan(TIMEOUT_MS);
    figures[`cold${flag}Requests`] = emulator.requests.length;
    figures[`cold${flag}SlowestMs`] = Math.max(...cold.map((r) => r.ms));

    emulator.clearRequests();
    const warm = await start();
    expect(warm.map((r) => r.stdout.trim())).toEqual(Array(20).fill('ok'));
    figures[`warm${flag}Requests`] = emulator.requests.length;
    figures[`warm${flag}SlowestMs`] = Math.max(...warm.map((r) => r.ms));
    // A fresh copy on disk answers every process: no request at all.
    expect(emulator.requests).toHaveLength(0);
  });
});
