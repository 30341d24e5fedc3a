/** Assertions on thrown SecretsErrors. */
import { expect } from 'vitest';
import { type SecretsErrorCode, isSecretsError } from '../../src/errors.js';

/** Runs `fn`, expects a SecretsError with `code`, and returns its message for further checks. */
export function messageOf(fn: () => unknown, code: SecretsErrorCode = 'ERR_CONFIG'): string {
  try {
    fn();
  } catch (error) {
    expect(isSecretsError(error, code), `expected ${code}, got ${String(error)}`).toBe(true);
    return (error as Error).message;
  }
  throw new Error(`expected an ${code}`);
}
