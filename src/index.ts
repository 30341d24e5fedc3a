/**
 * clarifai-secrets: Clarifai environment secrets in process.env.
 * The public API, export by export; everything else is internal.
 */
export { loadSecrets, type LoadSecretsOptions } from './load/loader.js';
export { loadSecretsSync } from './load/loader-sync.js';
export {
  watchSecrets,
  type WatchSecretsOptions,
  type SecretsWatcher,
  type SecretsChange,
} from './watch/watcher.js';
export type { LoadReport, Source } from './load/load-job.js';
export type { LoadOptions, ConnectionOptions } from './settings/config.js';
export {
  SecretsClient,
  MAX_PER_PAGE,
  type SecretsClientOptions,
  type CallOptions,
  type PatchAction,
} from './api/client.js';
export type { Secret, SecretInput, SecretPatch } from './api/wire.js';
export { createSecrets, updateSecrets, deleteSecrets } from './api/provision.js';
export {
  SecretsError,
  ConfigError,
  AuthError,
  NotFoundError,
  ConflictError,
  MissingSecretsError,
  UnavailableError,
  BadResponseError,
  InvalidValueError,
  ApiError,
  FileError,
  isSecretsError,
  type SecretsErrorCode,
  type SecretsErrorInfo,
} from './errors.js';
/** For the register entries and custom preload scripts. */
export { preload, preloadSync, preloadBeforeMain } from './startup/preload.js';
