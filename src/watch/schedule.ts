/**
 * When the next poll runs. Every delay gets jitter, so a fleet started by one deploy does
 * not poll in step; a failed poll waits longer each time, so an outage or throttling is not
 * met with a steady stream of requests from every process, and never less than the
 * server's `Retry-After`.
 */
import { UnavailableError, isSecretsError } from '../errors.js';

/** A failed poll never waits longer than this, or the interval when that is longer. */
export const MAX_BACKOFF_MS = 5 * 60_000;

/** `ms` spread by up to 10% either way. */
export function jittered(ms: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ms * (0.9 + 0.2 * random())));
}

/**
 * The wait after the `failures`-th failed poll in a row, jitter included. A refused token is not an outage:
 * it stays refused until someone replaces it, so polling goes on at the interval and picks
 * the new token's answer up as soon as there is one.
 */
export function delayAfterFailure(
  intervalMs: number,
  failures: number,
  error: unknown,
  random: () => number = Math.random,
): number {
  if (isSecretsError(error, 'ERR_AUTH') || isSecretsError(error, 'ERR_FORBIDDEN')) return jittered(intervalMs, random);
  const ceiling = Math.max(intervalMs, MAX_BACKOFF_MS);
  const backoff = jittered(Math.min(ceiling, intervalMs * 2 ** Math.min(failures, 20)), random);
  // A server that said how long to wait (`Retry-After`) is not asked before then: no jitter below it.
  const asked = error instanceof UnavailableError ? (error.retryAfterMs ?? 0) : 0;
  return Math.max(backoff, asked);
}
