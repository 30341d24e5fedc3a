/**
 * The worker behind `loadSecretsSync`: it does the asynchronous part of a load (the API,
 * the disk copy, the fallback) while the main thread waits on `Atomics.wait`.
 */
import { serializeError } from '../errors.js';
import { fetchFresh } from './fetch-fresh.js';
import type { SyncAnswer, SyncRequest } from './sync-protocol.js';
import { loadTransport } from '../api/transport/choose.js';
import { diskCacheFor } from './start.js';

export async function run({ job }: SyncRequest): Promise<SyncAnswer> {
  const warnings: string[] = [];
  try {
    const warn = (message: string): void => void warnings.push(message);
    // What is kept of the answer (the copy, memory) is the waiting thread's: start.ts's keepFresh.
    const fetched = await fetchFresh(job, loadTransport(undefined), warn, diskCacheFor(job, warn));
    return { ok: true, fetched, warnings };
  } catch (error) {
    return { ok: false, error: serializeError(error), warnings };
  }
}
