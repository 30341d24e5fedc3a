/**
 * clarifai-secrets: Clarifai environment secrets in process.env.
 * The public API, export by export; everything else is internal.
 */
export { loadSecrets, type LoadSecretsOptions } from './loader.js';
export { loadSecretsSync } from './loader-sync.js';
export type { LoadReport, Source } from './load-job.js';
export type { LoadOptions, ConnectionOptions } from './config.js';
export {
  SecretsClient,
  MAX_PER_PAGE,
  type SecretsClientOptions,
  type CallOptions,
  type PatchAction,
} from './client.js';
export type { Secret, SecretInput, SecretPatch } from './wire.js';
export { createSecrets, updateSecrets, deleteSecrets } from './provision.js';
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
  isSecretsError,
  type SecretsErrorCode,
  type SecretsErrorInfo,
} from './errors.js';
/** For the register entries and custom preload scripts. */
export { preload, preloadSync, preloadBeforeMain } from './preload.js';
