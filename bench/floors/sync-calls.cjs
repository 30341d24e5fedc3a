// Not a preload: K synchronous loads of the 20 secrets in one process, each way a
// synchronous API can wait for a fetch. Prints { way: [ms of call 1, ms of call 2, ...] }.
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');
const { MessageChannel, Worker, receiveMessageOnPort } = require('node:worker_threads');

const K = Number(process.argv[2] ?? 10);
const FETCHER = join(__dirname, 'fetcher.cjs');
const base = process.env.CLARIFAI_API_BASE;
const pat = process.env.CLARIFAI_PAT;

function check(entries) {
  if (!Array.isArray(entries) || entries.length !== 20) throw new Error(`expected 20 secrets, got ${JSON.stringify(entries)?.slice(0, 100)}`);
}

// A new worker for each call, as loadSecretsSync does.
const PER_CALL = `
const { workerData } = require('node:worker_threads');
const answer = (message) => {
  workerData.port.postMessage(message);
  Atomics.store(workerData.signal, 0, 1);
  Atomics.notify(workerData.signal, 0);
};
require(workerData.fetcher).fetchAll(workerData.base, workerData.pat).then(answer, (e) => answer({ error: String(e) }));
`;
function workerPerCall() {
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(PER_CALL, {
    eval: true,
    execArgv: [],
    transferList: [port2],
    workerData: { signal, port: port2, fetcher: FETCHER, base, pat },
  });
  Atomics.wait(signal, 0, 0, 10_000);
  const entries = receiveMessageOnPort(port1)?.message;
  port1.close();
  void worker.terminate();
  return entries;
}

// One worker, started on the first call and kept (unref'd) for the next ones.
const KEPT = `
const { workerData } = require('node:worker_threads');
const { fetchAll } = require(workerData.fetcher);
workerData.port.on('message', ({ base, pat }) => {
  const answer = (message) => {
    workerData.port.postMessage(message);
    Atomics.store(workerData.signal, 0, 1);
    Atomics.notify(workerData.signal, 0);
  };
  fetchAll(base, pat).then(answer, (e) => answer({ error: String(e) }));
});
`;
let kept;
function workerOnce() {
  if (!kept) {
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(KEPT, { eval: true, execArgv: [], transferList: [port2], workerData: { signal, port: port2, fetcher: FETCHER } });
    worker.unref();
    port1.unref();
    kept = { signal, port1, worker };
  }
  Atomics.store(kept.signal, 0, 0);
  kept.port1.postMessage({ base, pat });
  Atomics.wait(kept.signal, 0, 0, 10_000);
  return receiveMessageOnPort(kept.port1)?.message;
}

function execFile() {
  return JSON.parse(execFileSync(process.execPath, [FETCHER], { encoding: 'utf8' }));
}

function library() {
  const env = {};
  require('clarifai-secrets').loadSecretsSync({ cacheTtl: 0, cacheDir: false, env });
  return Object.entries(env).filter(([k]) => k.startsWith('BENCH_'));
}

const ways = { library, workerPerCall, workerOnce, execFile };
const out = {};
for (const [name, way] of Object.entries(ways)) {
  out[name] = [];
  for (let i = 0; i < K; i++) {
    const started = performance.now();
    const entries = way();
    out[name].push(performance.now() - started);
    check(entries);
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
