/** What crosses between `loadSecretsSync` and its worker. */
import type { SerializedError } from '../errors.js';
import type { Fetched, LoadJob } from './load-job.js';

export interface SyncRequest {
  job: LoadJob;
  /** Set to 1 and notified when the answer has been posted. */
  signal: Int32Array;
  port: import('node:worker_threads').MessagePort;
  /** Path of the worker module (`sync-worker.cjs` next to the calling build). */
  file?: string;
}

export type SyncAnswer =
  | { ok: true; fetched: Fetched; warnings: string[] }
  | { ok: false; error: SerializedError; warnings: string[] };

/** Set in the worker's environment: whatever preload it meets, it must not load again. */
export const WORKER_ENV = 'CLARIFAI_SECRETS_SYNC_WORKER';
