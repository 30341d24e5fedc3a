/** When the watcher polls next: jitter, backoff after failures, and the interval for a refused token. */
import { describe, expect, it } from 'vitest';
import { AuthError, UnavailableError, withRetryAfter } from '../../src/errors.js';
import { MAX_BACKOFF_MS, delayAfterFailure, jittered } from '../../src/watch/schedule.js';

/** No jitter: the middle of the spread. */
const HALF = (): number => 0.5;

describe('watch schedule', () => {
  it('spreads the interval by at most 10% either way', () => {
    expect(jittered(60_000, () => 0)).toBe(54_000);
    expect(jittered(60_000, () => 1)).toBe(66_000);
    expect(jittered(60_000, () => 0.5)).toBe(60_000);
  });

  it('doubles the wait after each failed poll of an outage, up to a ceiling', () => {
    const outage = new UnavailableError('ERR_SERVER', 'down');
    expect([1, 2, 3].map((n) => delayAfterFailure(60_000, n, outage, HALF))).toEqual([120_000, 240_000, MAX_BACKOFF_MS]);
    expect(delayAfterFailure(60_000, 50, outage, HALF)).toBe(MAX_BACKOFF_MS);
    // Throttling is an outage too.
    expect(delayAfterFailure(1_000, 2, new UnavailableError('ERR_THROTTLED', 'slow down'), HALF)).toBe(4_000);
    // An interval longer than the ceiling is never shortened.
    expect(delayAfterFailure(3_600_000, 3, outage, HALF)).toBe(3_600_000);
  });

  it('waits at least what Retry-After asked for', () => {
    const throttled = withRetryAfter(new UnavailableError('ERR_THROTTLED', 'slow down'), 900_000);
    expect(delayAfterFailure(60_000, 1, throttled, HALF)).toBe(900_000);
    // Jitter never takes a wait below Retry-After.
    expect(delayAfterFailure(600_000, 1, throttled, () => 0)).toBe(900_000);
    expect(delayAfterFailure(60_000, 1, withRetryAfter(new UnavailableError('ERR_THROTTLED', 'slow down'), 119_000), () => 0)).toBe(119_000);
    expect(delayAfterFailure(60_000, 1, withRetryAfter(new UnavailableError('ERR_THROTTLED', 'slow down'), 1_000), HALF)).toBe(120_000);
  });

  it('asks again at the interval after a refused token', () => {
    expect(delayAfterFailure(60_000, 5, new AuthError('ERR_AUTH', 'refused'), HALF)).toBe(60_000);
  });
});
