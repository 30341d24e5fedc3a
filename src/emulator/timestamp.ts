/**
 * Protobuf `Timestamp` values as the REST API shows them: RFC 3339 in UTC ending in `Z`,
 * with 0, 3, 6 or 9 fractional digits (protojson's rule). The emulator keeps nanoseconds
 * so clients meet the same precision as Clarifai's `"2025-02-28T09:41:55.568082659Z"`.
 */

export interface Timestamp {
  /** Whole seconds since the Unix epoch. */
  readonly seconds: number;
  /** Nanoseconds within that second, 0 to 999,999,999. */
  readonly nanos: number;
}

/** `expires_at` of a secret that never expires: Clarifai sends `"1970-01-01T00:00:00Z"`. */
export const ZERO_TIMESTAMP: Timestamp = { seconds: 0, nanos: 0 };

// Wall clock at load plus a monotonic offset: nanosecond digits that are real, and two
// calls in a row never return the same instant (so modified_at > created_at after a change).
const baseNs = BigInt(Date.now()) * 1_000_000n;
const baseHr = process.hrtime.bigint();
let lastNs = 0n;

export function now(): Timestamp {
  let ns = baseNs + (process.hrtime.bigint() - baseHr);
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return { seconds: Number(ns / 1_000_000_000n), nanos: Number(ns % 1_000_000_000n) };
}

export function fromDate(date: Date): Timestamp {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid date');
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function formatTimestamp(ts: Timestamp): string {
  const base = new Date(ts.seconds * 1000).toISOString().slice(0, 19);
  const n = ts.nanos;
  let fraction = '';
  if (n !== 0) {
    const digits = String(n).padStart(9, '0');
    fraction = '.' + (n % 1_000_000 === 0 ? digits.slice(0, 3) : n % 1000 === 0 ? digits.slice(0, 6) : digits);
  }
  return `${base}${fraction}Z`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (any offset, 0 to 9 fractional digits); undefined when invalid. */
export function parseTimestamp(text: string): Timestamp | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC maps years below 100 to 19xx, so set the year explicitly.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  date.setUTCHours(hour, minute, second, 0);
  let seconds = Math.floor(date.getTime() / 1000);
  if (zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 23 || om > 59) return undefined;
    seconds -= sign * (oh * 3600 + om * 60);
  }
  return { seconds, nanos: frac === '' ? 0 : Number(frac.padEnd(9, '0')) };
}
