/**
 * One-call helpers for scripts: the same as the client methods, with a client built from
 * the configuration (options, then CLARIFAI_* variables, then `.env`).
 */
import { type SecretsClientOptions, SecretsClient } from './client.js';
import type { Secret, SecretInput, SecretPatch } from './wire.js';

export function createSecrets(secrets: readonly SecretInput[], options?: SecretsClientOptions): Promise<Secret[]> {
  return new SecretsClient(options).create(secrets);
}

export function updateSecrets(secrets: readonly SecretPatch[], options?: SecretsClientOptions): Promise<Secret[]> {
  return new SecretsClient(options).update(secrets);
}

export function deleteSecrets(ids: readonly string[], options?: SecretsClientOptions): Promise<void> {
  return new SecretsClient(options).delete(ids);
}
