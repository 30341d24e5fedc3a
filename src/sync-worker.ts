/**
 * The worker behind `loadSecretsSync`: it does the asynchronous part of a load (the API,
 * the disk copy, the fallback) while the main thread waits on `Atomics.wait`.
 */
import { workerData } from 'node:worker_threads';
import { serializeError } from './errors.js';
import { fetchFresh } from './fetch-fresh.js';
import type { SyncAnswer, SyncRequest } from './sync-protocol.js';
import { loadTransport } from './transport/choose.js';

const { job, signal, port } = workerData as SyncRequest;
const warnings: string[] = [];
let answer: SyncAnswer;
try {
  const fetched = await fetchFresh(job, loadTransport(undefined), (message) => warnings.push(message));
  answer = { ok: true, fetched, warnings };
} catch (error) {
  answer = { ok: false, error: serializeError(error), warnings };
}
port.postMessage(answer);
Atomics.store(signal, 0, 1);
Atomics.notify(signal, 0);
port.close();
