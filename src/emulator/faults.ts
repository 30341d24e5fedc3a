/**
 * Fault injection for tests: `emulator.inject(fault, match)` makes the next matching
 * request(s) misbehave in one precise way, so a client's handling of each failure can be
 * shown on the wire. Faults are tried in the order they were injected; the first that
 * matches and still has uses left handles the request.
 */
import type { RecordedRequest } from './request-log.js';

/** Any HTTP status with a Clarifai-style JSON error body (`secrets: []` kept on multi-responses). */
export interface ErrorFault {
  kind: 'error';
  /** HTTP status, 100 to 599. */
  status: number;
  /** Clarifai `status.code`, e.g. 98004. */
  code: number;
  /** Default: Clarifai's description of `code`. */
  description?: string;
  details?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** Throttling: by default HTTP 429 with `status.code` 11005. */
export interface ThrottleFault {
  kind: 'throttle';
  /** Default 429. Another status (200, 503, ...) gives "11005 inside a response with another HTTP status". */
  status?: number;
  /** Default 11005 (CONN_THROTTLED); 11003 and 11004 are the hourly and monthly limits. */
  code?: number;
  /** `Retry-After`: a number of seconds, a `Date` (sent as an HTTP-date), or a raw header value. Default: no header. */
  retryAfter?: number | Date | string;
}

/** Waits, then answers normally (the operation happens after the wait). */
export interface LatencyFault {
  kind: 'latency';
  ms: number;
}

/** Destroys the socket without any response (the client sees a reset or "socket hang up"). */
export interface DropFault {
  kind: 'drop';
}

/** Accepts the request and never answers; `close()` ends it. */
export interface HangFault {
  kind: 'hang';
}

/** Any status, content type and body: an HTML error page, an empty body, truncated JSON, 10 MB... */
export interface RawFault {
  kind: 'raw';
  /** Default 200. */
  status?: number;
  body: string | Uint8Array;
  /** Default `'application/json; charset=UTF-8'`; `null` sends no `Content-Type`. */
  contentType?: string | null;
  headers?: Record<string, string>;
}

/**
 * The normal response (the operation happens), cut short: the headers announce the full
 * `Content-Length`, part of the body is written, then the socket is destroyed.
 */
export interface TruncateFault {
  kind: 'truncate';
  /** Share of the body written before the cut, 0 to 1 (exclusive). Default 0.5. */
  keep?: number;
}

/** The normal response (the operation happens), its headers at once and its body at most `bytesPerSecond`. */
export interface TrickleFault {
  kind: 'trickle';
  bytesPerSecond: number;
}

/**
 * The normal response (the operation happens) rewritten: `transform` gets a copy of its JSON
 * and the request, and returns the new body: any JSON value, or a string/bytes sent as is.
 * For wrong shapes: a list where an object belongs, numbers as strings, no `status`,
 * `status.code` other than 10000 with HTTP 200.
 */
export interface TransformFault {
  kind: 'transform';
  transform: (json: Record<string, unknown>, request: Readonly<RecordedRequest>) => unknown;
  /** Default: the normal response's status. */
  status?: number;
}

export type Fault =
  | ErrorFault
  | ThrottleFault
  | LatencyFault
  | DropFault
  | HangFault
  | RawFault
  | TruncateFault
  | TrickleFault
  | TransformFault;

export type FaultKind = Fault['kind'];

/** Which requests a fault applies to. Every given condition must hold. */
export interface FaultMatch {
  /** HTTP method, any case. Default: any. */
  method?: string;
  /**
   * A string must equal the request's path (as sent, without the query), e.g.
   * `'/v2/users/me/secrets'`; a RegExp is tested against the path with its query,
   * e.g. `/[?&]page=2\b/`. Default: any.
   */
  path?: string | RegExp;
  /** How many requests it applies to; `Infinity` for all. Default 1. */
  times?: number;
}

interface Armed {
  fault: Fault;
  method: string | undefined;
  path: string | RegExp | undefined;
  remaining: number;
}

export class FaultQueue {
  private armed: Armed[] = [];

  add(fault: Fault, match: FaultMatch = {}): void {
    validateFault(fault);
    const times = match.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new TypeError('inject: times must be a positive integer or Infinity');
    }
    if (match.path !== undefined && typeof match.path !== 'string' && !(match.path instanceof RegExp)) {
      throw new TypeError('inject: path must be a string or a RegExp');
    }
    this.armed.push({ fault, method: match.method?.toUpperCase(), path: match.path, remaining: times });
  }

  clear(): void {
    this.armed = [];
  }

  /** The fault for this request, using one of its uses; undefined when none matches. */
  take(method: string, path: string, target: string): Fault | undefined {
    const index = this.armed.findIndex((a) => {
      if (a.method !== undefined && a.method !== method.toUpperCase()) return false;
      if (typeof a.path === 'string') return a.path === path;
      if (a.path instanceof RegExp) {
        a.path.lastIndex = 0; // a /g or /y RegExp keeps state between tests
        return a.path.test(target);
      }
      return true;
    });
    const armed = this.armed[index];
    if (!armed) return undefined;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return armed.fault;
  }
}

function validStatus(status: unknown): boolean {
  return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599;
}

function validateFault(fault: Fault): void {
  const bad = (why: string): never => {
    throw new TypeError(`inject: ${why}`);
  };
  if (typeof fault !== 'object' || fault === null) bad('a fault must be an object');
  switch (fault.kind) {
    case 'error':
      if (!validStatus(fault.status)) bad('error.status must be an HTTP status (100-599)');
      if (!Number.isInteger(fault.code)) bad('error.code must be an integer Clarifai status code');
      return;
    case 'throttle':
      if (fault.status !== undefined && !validStatus(fault.status)) bad('throttle.status must be an HTTP status');
      if (fault.retryAfter !== undefined && typeof fault.retryAfter === 'number' && !(fault.retryAfter >= 0)) {
        bad('throttle.retryAfter must be a number of seconds >= 0');
      }
      return;
    case 'latency':
      if (!(typeof fault.ms === 'number' && fault.ms >= 0 && Number.isFinite(fault.ms))) bad('latency.ms must be >= 0');
      return;
    case 'drop':
    case 'hang':
      return;
    case 'raw':
      if (fault.status !== undefined && !validStatus(fault.status)) bad('raw.status must be an HTTP status');
      if (typeof fault.body !== 'string' && !(fault.body instanceof Uint8Array)) bad('raw.body must be a string or bytes');
      return;
    case 'truncate':
      if (fault.keep !== undefined && !(fault.keep >= 0 && fault.keep < 1)) bad('truncate.keep must be in [0, 1)');
      return;
    case 'trickle':
      if (!(typeof fault.bytesPerSecond === 'number' && fault.bytesPerSecond > 0 && Number.isFinite(fault.bytesPerSecond))) {
        bad('trickle.bytesPerSecond must be > 0');
      }
      return;
    case 'transform':
      if (typeof fault.transform !== 'function') bad('transform.transform must be a function');
      if (fault.status !== undefined && !validStatus(fault.status)) bad('transform.status must be an HTTP status');
      return;
    default:
      bad(`unknown fault kind ${JSON.stringify((fault as { kind?: unknown }).kind)}`);
  }
}

/** `Retry-After` as sent: delta-seconds for a number, an HTTP-date for a Date. */
export function retryAfterHeader(value: number | Date | string): string {
  if (value instanceof Date) return value.toUTCString();
  if (typeof value === 'number') return String(Math.ceil(value));
  return value;
}
