import { type Config, resolveConfig } from '../settings/config.js';
import { ConfigError, UnavailableError, reviveError } from '../errors.js';
import { type Fetched, type LoadJob, type LoadReport, markerOf, nowMs } from './load-job.js';
import { debugged, failedOpen } from './reported.js';
import { type Start, finishLoad, startLoad } from './start.js';
import { keepFresh, peekMemory } from './memory-cache.js';
import type { LoadSecretsOptions } from './loader.js';
import { type SyncAnswer, type SyncRequest, WORKER_ENV } from './sync-protocol.js';
import { warnOnStderr } from '../warn.js';
import { dropEarly } from '../api/transport/early.js';

/**
 * A CommonJS script that loads the worker module and always answers: even when the module
 * cannot be loaded, the caller gets an error at once instead of waiting for its deadline.
 * The module is CommonJS too: a worker importing ESM starts Node's ESM loader, ~10 ms more.
 */
const BOOTSTRAP = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
// The job (it holds the token) comes over the port, not in workerData, which NODE_DEBUG=worker prints.
const job = () => {
  const queued = receiveMessageOnPort(workerData.port);
  return queued ? queued.message : new Promise((resolve) => workerData.port.once('message', resolve));
};
const answer = (message) => {
  workerData.port.postMessage(message);
  Atomics.store(workerData.signal, 0, 1);
  Atomics.notify(workerData.signal, 0);
  workerData.port.close();
};
Promise.resolve().then(job).then((job) => require(workerData.file).run({ ...workerData, job })).then(answer, (error) => answer({
  ok: false,
  warnings: [],
  error: { kind: 'SecretsError', code: 'ERR_API', message: 'internal error: cannot start the loader worker: ' + (error && error.message) },
}));
`;

/** How long past the deadline to wait for the worker to post its own timeout or fallback. */
const ANSWER_GRACE_MS = 1_000;

/**
 * `loadSecrets`, synchronously: for `node -r` and CommonJS code that cannot await.
 * Cached copies are read on the calling thread; a fetch runs in a worker thread that the
 * caller waits for with `Atomics.wait`, never longer than the deadline.
 */
export function loadSecretsSync(options: Omit<LoadSecretsOptions, 'dispatcher'> = {}): LoadReport {
  const startedAt = nowMs();
  let config: Config | undefined;
  try {
    config = resolveConfig(options);
    const report = loadResolvedSync(config, options);
    return debugged(config, report);
  } catch (error) {
    return failedOpen(error, config, options, startedAt);
  }
}

/** `loadSecretsSync` with the configuration already resolved (the preload reads it first). */
export function loadResolvedSync(config: Config, options: Omit<LoadSecretsOptions, 'dispatcher'>): LoadReport {
  if ((options as LoadSecretsOptions).dispatcher) {
    throw new ConfigError('loadSecretsSync cannot use a dispatcher (it runs in a worker): use loadSecrets');
  }
  return loadStartedSync(startLoad(config, options, options.onWarning ?? warnOnStderr, peekMemory));
}

/** The rest of a synchronous load past its start (startLoad), by the worker when there is no hit. */
export function loadStartedSync(start: Start): LoadReport {
  // The worker makes its own connections: this thread's early ones are of no use.
  dropEarly();
  if ('done' in start) return start.done;
  let fetched = start.hit;
  if (!fetched) {
    fetched = fetchInWorker(start.job, start.warn, () => markerOf(start.job));
    keepFresh(start.job, start.disk, fetched);
  }
  return finishLoad(start, fetched);
}

/** `meanwhile` runs on this thread while the worker starts and fetches. */
function fetchInWorker(job: LoadJob, warn: (message: string) => void, meanwhile: () => void): Fetched {
  const { Worker, MessageChannel, receiveMessageOnPort } = process.getBuiltinModule('node:worker_threads');
  const signal = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const request: Omit<SyncRequest, 'job'> = { signal, port: port2 };
  // Neither the worker's data nor its env holds the token: NODE_DEBUG=worker prints both.
  const env: Record<string, string | undefined> = { ...process.env, [WORKER_ENV]: '1' };
  delete env['CLARIFAI_PAT'];
  delete env['CLARIFAI_SESSION_TOKEN'];
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { ...request, file: process.getBuiltinModule('node:url').fileURLToPath(new URL('./sync-worker.cjs', import.meta.url)) },
    transferList: [port2],
    // No preload in the worker: it must not load secrets again.
    execArgv: [],
    env,
  });
  port1.postMessage(job);
  try {
    meanwhile();
    const waitMs = Math.max(0, job.deadlineAt - Date.now()) + ANSWER_GRACE_MS;
    Atomics.wait(signal, 0, 0, waitMs);
    const answer = receiveMessageOnPort(port1)?.message as SyncAnswer | undefined;
    if (!answer) {
      throw new UnavailableError(
        'ERR_TIMEOUT',
        `no answer within ${job.config.timeout} ms: check the network, or raise CLARIFAI_SECRETS_TIMEOUT`,
      );
    }
    // The worker opens the cache too: a warning about its folder was already given here.
    for (const message of answer.warnings) if (message !== job.config.cacheWarning) warn(message);
    if (!answer.ok) throw reviveError(answer.error);
    return answer.fetched;
  } finally {
    port1.close();
    void worker.terminate();
  }
}
