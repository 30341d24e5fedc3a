// npm run demo: the whole product on this machine, with no account and no network.
// Starts the emulator with sample secrets, then runs the example app through the ESM
// preload, the CJS preload, the run wrapper and the API. Exits non-zero if any step fails.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const cli = join(root, 'dist', 'cli.cjs');
const pat = 'demo-pat';

console.log('clarifai-secrets demo: a local emulator with 3 sample secrets, and an app that reads them four ways\n');

/** Newest modification time of the files under `path` (ms). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

// `npm ci` built dist/ already (prepare): build again only when the sources are newer, so
// the demo's first lines are its own, not a build's.
const sources = ['src', 'tsup.config.ts', 'package.json'].map((name) => join(root, name));
if (!existsSync(cli) || Math.max(...sources.map(newest)) > newest(join(root, 'dist'))) {
  console.log('building dist/ (the sources changed since the last build)...\n');
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js'), '--silent'], { cwd: root, stdio: 'inherit' });
}

// Imported only now: the build above may have just made it.
const { startEmulator } = await import('clarifai-secrets/emulator');
const emulator = await startEmulator({
  pats: { [pat]: 'demo-user' },
  users: {
    'demo-user': [
      { id: 'OPENAI_API_KEY', value: 'sk-demo-openai-0000', description: 'sample' },
      { id: 'STRIPE_KEY', value: 'sk_test_demo_stripe', description: 'sample' },
      { id: 'DATABASE_URL', value: 'postgres://demo:demo@localhost/demo', description: 'sample' },
    ],
  },
});
const cacheDir = mkdtempSync(join(tmpdir(), 'clarifai-secrets-demo-'));
const env = {
  ...process.env,
  CLARIFAI_PAT: pat,
  CLARIFAI_API_BASE: emulator.url,
  CLARIFAI_SECRETS_CACHE_DIR: cacheDir,
  CLARIFAI_SECRETS_DEBUG: 'true',
};

// Each step: what a user types in an app that installed the package, and what runs here
// (in this checkout the bin is dist/cli.cjs, which `npx clarifai-secrets` runs there).
const node = process.execPath;
const steps = [
  ['ESM preload', 'node --import clarifai-secrets/register esm-import/app.mjs', [node, '--import', 'clarifai-secrets/register', 'esm-import/app.mjs']],
  ['CJS preload', 'node -r clarifai-secrets/register cjs-require/app.cjs', [node, '-r', 'clarifai-secrets/register', 'cjs-require/app.cjs']],
  ['run wrapper', 'npx clarifai-secrets run -- node esm-import/app.mjs', [node, cli, 'run', '--', node, 'esm-import/app.mjs']],
  ['API', 'node programmatic/load.mjs   (loadSecrets() in the app)', [node, 'programmatic/load.mjs']],
];

console.log(`emulator: ${emulator.url} (user demo-user, token ${pat})\n`);
let failed = 0;
// Spawned asynchronously: the emulator lives in this process and must keep answering.
for (const [title, typed, [command, ...args]] of steps) {
  console.log(`== ${title}: ${typed}`);
  const ran = await new Promise((resolve) => {
    spawn(command, args, { cwd: here, env, stdio: 'inherit' }).on('close', (code) => resolve(code));
  });
  if (ran !== 0) {
    failed++;
    console.log(`   (exit code ${ran})`);
  }
  console.log('');
}
console.log(`${emulator.requests.length} requests reached the emulator.`);
await emulator.close();
rmSync(cacheDir, { recursive: true, force: true });
if (failed > 0) {
  console.error(`demo: ${failed} step(s) failed`);
  process.exit(1);
}
console.log('demo: every way in worked.');
