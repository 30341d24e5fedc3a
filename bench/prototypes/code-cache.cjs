// PROTOTYPE (bench): what a V8 code cache of dist/index.cjs would save a cold start.
//
//   node bench/prototypes/code-cache.cjs [RUNS]       (after `npx tsup`; any Node 20+)
//
// Each run is a fresh process that loads dist/index.cjs and then calls loadSecrets once
// against an emulator in this process. Three ways to load it:
//   require   Node's require, as the register files do today;
//   compiled  the same source through vm.Script, with no cache (the control for the next);
//   cached    vm.Script given cachedData made by script.createCachedData() AFTER a load
//             ran, so the functions a load compiles lazily are in the cache too. Node 22's
//             NODE_COMPILE_CACHE caches at compile time only: compare it with `require`.
// Prints the medians of the module load and of the loadSecrets call, in ms.
//
// Not applied: a code cache is bytecode that V8 checks for little more than the version,
// flags and source it was made for, so a cache file is code. The real change would keep it only
// in a folder that passes the disk copy's ownership checks (load/disk-cache.ts) and say so
// in docs/security.md.
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const BUNDLE = path.join(__dirname, '..', '..', 'dist', 'index.cjs');
const CACHE = path.join(require('node:os').tmpdir(), `code-cache-prototype-${process.pid}.bin`);

function loadBundle(mode) {
  if (mode === 'require') return { exports: require(BUNDLE) };
  const cachedData = mode === 'cached' ? fs.readFileSync(process.env.CODE_CACHE_FILE) : undefined;
  const script = new vm.Script(Module.wrap(fs.readFileSync(BUNDLE, 'utf8')), { filename: BUNDLE, cachedData });
  if (script.cachedDataRejected) throw new Error('V8 rejected the cache');
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, require, module, BUNDLE, path.dirname(BUNDLE));
  return { exports: module.exports, script };
}

async function child(mode, baseUrl) {
  const t0 = process.hrtime.bigint();
  const { exports, script } = loadBundle(mode === 'make' ? 'compiled' : mode);
  const t1 = process.hrtime.bigint();
  await exports.loadSecrets({ env: {}, secrets: 'STRIPE_KEY', pat: 'emulator-pat', baseUrl, envFile: false, cacheDir: false });
  const t2 = process.hrtime.bigint();
  if (mode === 'make') fs.writeFileSync(process.env.CODE_CACHE_FILE, script.createCachedData());
  process.stdout.write(JSON.stringify({ load: Number(t1 - t0) / 1e6, call: Number(t2 - t1) / 1e6 }));
}

async function main() {
  const runs = Number(process.argv[2] ?? 15);
  const { startEmulator } = require('../../dist/emulator.cjs');
  const emulator = await startEmulator({ users: { 'emulator-user': [{ id: 'STRIPE_KEY', value: 'sk_test_prototype' }] } });
  const env = { ...process.env, CODE_CACHE_FILE: CACHE, CLARIFAI_SECRETS_ALLOW_HTTP: '1' };
  // Not spawnSync: the emulator answers from this process's event loop.
  const once = (mode) =>
    new Promise((resolve, reject) => {
      execFile(process.execPath, [__filename, 'child', mode, emulator.url], { env }, (error, stdout, stderr) => {
        if (error) reject(new Error(`the ${mode} run failed: ${stderr.split('\n').find((line) => /Error/.test(line)) ?? error.code}`));
        else resolve(JSON.parse(stdout));
      });
    });
  try {
    await once('make');
    const times = { require: [], compiled: [], cached: [] };
    for (let i = 0; i < runs; i++) for (const mode of Object.keys(times)) times[mode].push(await once(mode));
    const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1].toFixed(1);
    for (const [mode, list] of Object.entries(times)) {
      console.log(`${mode.padEnd(9)} module ${median(list.map((t) => t.load))} ms, loadSecrets ${median(list.map((t) => t.call))} ms`);
    }
  } finally {
    fs.rmSync(CACHE, { force: true });
    await emulator.close();
  }
}

if (process.argv[2] === 'child') child(process.argv[3], process.argv[4]);
else main();
