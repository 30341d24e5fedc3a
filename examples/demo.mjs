// npm run demo: the whole product on this machine, with no account and no network.
// Starts the emulator with sample secrets, then runs the example app through the ESM
// preload, the CJS preload, the run wrapper and the API. Exits non-zero if any step fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from 'clarifai-secrets/emulator';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.cjs');
const pat = 'demo-pat';

const emulator = await startEmulator({
  pats: { [pat]: 'demo-user' },
  users: {
    'demo-user': [
      { id: 'OPENAI_API_KEY', value: 'sk-demo-openai-0000', description: 'sample' },
      { id: 'STRIPE_KEY', value: 'sk_test_demo_stripe', description: 'sample' },
      { id: 'database-url', value: 'postgres://demo:demo@localhost/demo', description: 'sample' },
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

const steps = [
  ['ESM preload', [process.execPath, '--import', 'clarifai-secrets/register', 'esm-import/app.mjs']],
  ['CJS preload', [process.execPath, '-r', 'clarifai-secrets/register', 'cjs-require/app.cjs']],
  ['run wrapper', [process.execPath, cli, 'run', '--', process.execPath, 'esm-import/app.mjs']],
  ['API', [process.execPath, 'programmatic/load.mjs']],
];

console.log(`emulator: ${emulator.url} (user demo-user, 3 sample secrets)\n`);
let failed = 0;
// Spawned asynchronously: the emulator lives in this process and must keep answering.
for (const [title, [command, ...args]] of steps) {
  console.log(`== ${title}: ${[command, ...args].map((word) => (word === process.execPath ? 'node' : word)).join(' ')}`);
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
