/**
 * The marker, CLARIFAI_SECRETS_LOADED, on real processes of the built package: its format
 * (pinned from 1.0: docs/how-it-works.md, "The marker"), recomputed here from the documented
 * recipe with node:crypto; a child it covers starting without the library (a copy of the
 * package holding only the register files and dist/marker.*); and every way a child's
 * selection can differ from its parent's ending in a load, never in a skip.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { expectNoLeak } from '../support/leaks.js';
import { type Project, REPO_ROOT, makeProject } from '../support/package-link.js';
import { NODES, type NodeBinary } from '../support/nodes.js';
import { type Ran, baseEnv, run } from '../support/spawn.js';

const PAT = 'pat-E2E-MARKER-5d2e8b31';
const VALUES = { OPENAI_API_KEY: 'sk-E2E-marker-openai-11ab', DB_URL: 'postgres://E2E-marker-db-22cd' };
const PLANTED = { PAT, ...VALUES };

const APP = `console.log(JSON.stringify({ marker: process.env.CLARIFAI_SECRETS_LOADED,
  openai: process.env.OPENAI_API_KEY === ${JSON.stringify(VALUES.OPENAI_API_KEY)},
  db: process.env.DB_URL === ${JSON.stringify(VALUES.DB_URL)} }));\n`;

/** The settings the marker's second part names, in the documented order. */
const MARKED = [
  'CLARIFAI_API_BASE',
  'CLARIFAI_USER_ID',
  'CLARIFAI_SECRETS',
  'CLARIFAI_SECRETS_ALLOW_HTTP',
  'CLARIFAI_SECRETS_TIMEOUT',
  'CLARIFAI_SECRETS_OVERRIDE',
  'CLARIFAI_SECRETS_CACHE_TTL',
  'CLARIFAI_SECRETS_CACHE_DIR',
  'CLARIFAI_SECRETS_FALLBACK',
  'CLARIFAI_SECRETS_FAIL_OPEN',
  'CLARIFAI_SECRETS_DEBUG',
];

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The documented recipe, written out again on its own. */
function expectedMarker(baseUrl: string, userId: string, selectionKey: string, env: Record<string, string | undefined>, envFileText: string | null): string {
  const selection = sha256(['marker', baseUrl, userId, selectionKey].join('\n')).slice(0, 24);
  const texts = MARKED.map((key) => env[key] ?? null);
  const settings = sha256(JSON.stringify(['settings', texts, envFileText === null ? null : sha256(envFileText)])).slice(0, 24);
  return `1.${selection}.${settings}`;
}

let emulator: Emulator;
let project: Project;
/** The package with only what a covered child may load: no dist/index.*, no dist/warm.*. */
let lean: string;

beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'e2e-user' }, users: { 'e2e-user': [] } });
  project = makeProject();
  project.write('app.cjs', APP);
  lean = mkdtempSync(join(tmpdir(), 'cs-lean-package-'));
  mkdirSync(join(lean, 'register'));
  mkdirSync(join(lean, 'dist'));
  copyFileSync(join(REPO_ROOT, 'package.json'), join(lean, 'package.json'));
  for (const file of ['register/register.mjs', 'register/register.cjs', 'dist/marker.cjs']) copyFileSync(join(REPO_ROOT, file), join(lean, file));
});
afterAll(async () => {
  await emulator.close();
  project.remove();
  rmSync(lean, { recursive: true, force: true });
});
beforeEach(() => {
  emulator.reset();
  emulator.seed('e2e-user', Object.entries(VALUES).map(([id, value]) => ({ id, value })));
  emulator.clearRequests();
  rmSync(join(project.dir, '.env'), { force: true });
});

type App = { marker?: string; openai: boolean; db: boolean };

async function node(bin: string, args: string[], env: Record<string, string | undefined>): Promise<Ran & { app?: App }> {
  const ran = await run(bin, args, { cwd: project.dir, env: baseEnv({ CLARIFAI_SECRETS_CACHE_DIR: 'false', CLARIFAI_SECRETS_TIMEOUT: '3000', ...env }) });
  expectNoLeak(ran.stderr, PLANTED, 'stderr');
  const line = ran.stdout.split('\n').find((l) => l.startsWith('{'));
  return line ? { ...ran, app: JSON.parse(line) as App } : ran;
}

describe.each(NODES.flatMap((binary) => [['--import', 'register.mjs'], ['-r', 'register.cjs']].map(([flag, file]) => [`${binary.version} ${flag}`, binary, flag!, file!] as const)))(
  'the marker, node %s',
  (_name, binary: NodeBinary, flag, file) => {
    const parentEnv = (): Record<string, string> => ({ CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: emulator.url, CLARIFAI_SECRETS: 'OPENAI_API_KEY' });
    const viaPackage = [flag, 'clarifai-secrets/register', 'app.cjs'];
    const viaLean = (): string[] => [flag, join(lean, 'register', file), 'app.cjs'];

    /** A parent's load, and the child environment it leaves (run's: the token removed). */
    async function parentLoad(extra: Record<string, string> = {}): Promise<Record<string, string | undefined>> {
      const env = { ...parentEnv(), ...extra };
      const parent = await node(binary.bin, viaPackage, env);
      expect(parent.code).toBe(0);
      expect(parent.app?.openai).toBe(true);
      emulator.clearRequests();
      const { CLARIFAI_PAT: _token, ...child } = env;
      return { ...child, CLARIFAI_SECRETS_LOADED: parent.app?.marker, OPENAI_API_KEY: VALUES.OPENAI_API_KEY };
    }

    it('has the documented format: 1.<selection>.<settings>', async () => {
      const parent = await node(binary.bin, viaPackage, parentEnv());
      const key = JSON.stringify([false, [], [['OPENAI_API_KEY', 'OPENAI_API_KEY', false]]]);
      const env = { ...parentEnv(), CLARIFAI_SECRETS_CACHE_DIR: 'false', CLARIFAI_SECRETS_TIMEOUT: '3000' };
      expect(parent.app?.marker).toBe(expectedMarker(emulator.url, 'me', key, env, null));
    });

    it('names the .env file by its text when it gives the library anything', async () => {
      const text = 'APP_MODE=dev\nDB_URL=clarifai://secrets/DB_URL\n';
      writeFileSync(join(project.dir, '.env'), text);
      const parent = await node(binary.bin, viaPackage, parentEnv());
      expect(parent.app).toMatchObject({ openai: true, db: true });
      const key = JSON.stringify([JSON.stringify([false, [], [['OPENAI_API_KEY', 'OPENAI_API_KEY', false]]]), 'env-file references', [['DB_URL', 'clarifai://secrets/DB_URL']]]);
      const env = { ...parentEnv(), CLARIFAI_SECRETS_CACHE_DIR: 'false', CLARIFAI_SECRETS_TIMEOUT: '3000' };
      expect(parent.app?.marker).toBe(expectedMarker(emulator.url, 'me', key, env, text));
    });

    it('a child it covers starts without the library: only the register file and dist/marker are there', async () => {
      const child = await node(binary.bin, viaLean(), await parentLoad());
      expect(child.stderr).toBe('');
      expect(child.code).toBe(0);
      expect(child.app).toMatchObject({ openai: true });
      expect(emulator.requests).toHaveLength(0);
    });

    it('a child under a .env file of references, covered, starts without the library too', async () => {
      writeFileSync(join(project.dir, '.env'), 'DB_URL=clarifai://secrets/DB_URL\n');
      const child = await node(binary.bin, viaLean(), { ...(await parentLoad()), DB_URL: VALUES.DB_URL });
      expect(child.code).toBe(0);
      expect(child.app).toMatchObject({ openai: true, db: true });
    });

    it.each<[string, Record<string, string>]>([
      ['another selection', { CLARIFAI_SECRETS: 'OPENAI_API_KEY,DB_URL' }],
      ['another user', { CLARIFAI_USER_ID: 'e2e-user' }],
      ['a reference of its own', { DB_URL: 'clarifai://secrets/DB_URL' }],
    ])('a child with %s is not covered by the marker check: the library loads', async (_what, change) => {
      const env = { ...(await parentLoad()), ...change, CLARIFAI_PAT: PAT };
      // Without the library the child cannot start: the check sent it on.
      expect((await node(binary.bin, viaLean(), env)).code).not.toBe(0);
      const child = await node(binary.bin, viaPackage, env);
      expect(child.code).toBe(0);
      expect(child.app).toMatchObject({ openai: true, db: change.CLARIFAI_SECRETS !== undefined || change.DB_URL !== undefined });
      expect(emulator.requests.length).toBeGreaterThan(0);
    });

    it('a .env file the parent did not have sends the child to the library, which loads its references', async () => {
      const env = { ...(await parentLoad()), CLARIFAI_PAT: PAT };
      writeFileSync(join(project.dir, '.env'), 'DB_URL=clarifai://secrets/DB_URL\n');
      expect((await node(binary.bin, viaLean(), env)).code).not.toBe(0);
      const child = await node(binary.bin, viaPackage, env);
      expect(child.app).toMatchObject({ openai: true, db: true });
    });

    it('the same selection spelt otherwise goes to the library, which finds it covered: no request', async () => {
      const env = { ...(await parentLoad()), CLARIFAI_SECRETS: ' OPENAI_API_KEY,' };
      expect((await node(binary.bin, viaLean(), env)).code).not.toBe(0);
      const child = await node(binary.bin, viaPackage, env);
      expect(child.code).toBe(0);
      expect(emulator.requests).toHaveLength(0);
    });

    it('with debug on, the library reports the skip', async () => {
      const child = await node(binary.bin, viaPackage, { ...(await parentLoad()), CLARIFAI_SECRETS_DEBUG: 'true' });
      expect(child.stderr).toBe('clarifai-secrets: already loaded (CLARIFAI_SECRETS_LOADED covers this selection): nothing to do\n');
      expect(emulator.requests).toHaveLength(0);
    });

    it('a marker of another form is not trusted', async () => {
      const env: Record<string, string | undefined> = { ...(await parentLoad()), CLARIFAI_PAT: PAT };
      env['CLARIFAI_SECRETS_LOADED'] = env['CLARIFAI_SECRETS_LOADED']?.split('.')[1];
      const child = await node(binary.bin, viaPackage, env);
      expect(child.code).toBe(0);
      expect(emulator.requests.length).toBeGreaterThan(0);
    });
  },
);
