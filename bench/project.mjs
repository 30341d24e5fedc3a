/**
 * The scratch project the commands run in: app.js, the anchors' bench.env, the floors, and
 * node_modules links so that `clarifai-secrets/register` and `dotenv/config` resolve by
 * package name, exactly as in a user's project.
 *
 * The package is measured from a snapshot (package.json, dist/, register/ copied, its
 * node_modules linked): a rebuild of dist/ in the work tree during a run cannot mix two
 * builds into one report.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_DIR } from './options.mjs';
import { STARTUP_SECRETS } from './fixtures.mjs';

const ANCHORS = join(BENCH_DIR, 'node_modules');

/** The anchors are devDependencies of bench/ only. */
export function checkAnchorsInstalled() {
  for (const bin of ['dotenv', 'dotenvx']) {
    if (!existsSync(join(ANCHORS, '.bin', bin))) {
      throw new Error(`bench/node_modules/.bin/${bin} is missing: run \`npm ci --prefix bench\` first`);
    }
  }
}

/** The same scheme as the library's disk copy (HKDF-SHA256 key, AES-256-GCM), for floors/cache-read.*. */
function sealFloorCache(pat, baseUrl) {
  const key = Buffer.from(hkdfSync('sha256', pat, 'floor', baseUrl, 32));
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const copy = { at: Date.now(), entries: STARTUP_SECRETS.map((s) => [s.id, s.value]), missing: [], dangerous: [] };
  const body = Buffer.concat([cipher.update(JSON.stringify(copy), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

/** The newest mtime (ms) of the files under dir, 0 when there is none. */
function newest(dir) {
  if (!existsSync(dir)) return 0;
  let latest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) latest = Math.max(latest, statSync(join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return latest;
}

/** A warning when dist/ is older than src/ (the numbers would be those of an old build), else undefined. */
export function staleBuildWarning(packageRoot) {
  const src = newest(join(packageRoot, 'src'));
  const dist = newest(join(packageRoot, 'dist'));
  return src > dist ? 'dist/ is older than src/: the numbers are those of the last build (run `npm run build`)' : undefined;
}

function snapshotPackage(packageRoot, into) {
  if (!existsSync(join(packageRoot, 'dist', 'index.js'))) {
    throw new Error(`${join(packageRoot, 'dist')} is not built: run \`npm run build\` first`);
  }
  mkdirSync(into);
  for (const part of ['package.json', 'dist', 'register']) cpSync(join(packageRoot, part), join(into, part), { recursive: true });
  symlinkSync(join(packageRoot, 'node_modules'), join(into, 'node_modules'), 'dir');
}

export function makeProject({ packageRoot }) {
  const dir = mkdtempSync(join(tmpdir(), 'cs-bench-'));
  const packageDir = join(dir, 'package');
  snapshotPackage(packageRoot, packageDir);
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  symlinkSync(packageDir, join(modules, 'clarifai-secrets'), 'dir');
  symlinkSync(join(packageDir, 'dist', 'cli.cjs'), join(modules, '.bin', 'clarifai-secrets'));
  symlinkSync(join(ANCHORS, 'dotenv'), join(modules, 'dotenv'), 'dir');
  symlinkSync(join(dir, 'floors', 'empty-package'), join(modules, 'empty-package'), 'dir');
  // The undici floor uses the library's own undici.
  symlinkSync(join(packageRoot, 'node_modules', 'undici'), join(modules, 'undici'), 'dir');

  writeFileSync(join(dir, 'package.json'), '{ "private": true, "type": "commonjs" }\n');
  cpSync(join(BENCH_DIR, 'app.js'), join(dir, 'app.js'));
  cpSync(join(BENCH_DIR, 'app.js'), join(dir, 'app.mjs'));
  cpSync(join(BENCH_DIR, 'floors'), join(dir, 'floors'), { recursive: true });
  // Not `.env`: the library reads ./.env for its own settings, and the preload rows must not
  // pay for a file only the anchors use.
  writeFileSync(join(dir, 'bench.env'), STARTUP_SECRETS.map((s) => `${s.id}=${s.value}\n`).join(''));
  for (const sub of ['home', 'scratch', 'profiles']) mkdirSync(join(dir, sub));
  // The library refuses to cache in a folder that others can read.
  mkdirSync(join(dir, 'cache'), { mode: 0o700 });
  chmodSync(join(dir, 'cache'), 0o700);

  return {
    dir,
    packageDir,
    /** Once the emulator's URL is known: the file floors/cache-read.* decrypt. */
    writeFloorCache(pat, baseUrl) {
      writeFileSync(join(dir, 'floor-cache.bin'), sealFloorCache(pat, baseUrl));
    },
    home: join(dir, 'home'),
    cacheDir: join(dir, 'cache'),
    scratch: join(dir, 'scratch'),
    profiles: join(dir, 'profiles'),
    floorCache: join(dir, 'floor-cache.bin'),
    bin: {
      clarifaiSecrets: join(modules, '.bin', 'clarifai-secrets'),
      dotenv: join(ANCHORS, '.bin', 'dotenv'),
      dotenvx: join(ANCHORS, '.bin', 'dotenvx'),
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
