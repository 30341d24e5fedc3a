/**
 * The request log of the test support layer: what each request carried and how it was
 * answered. Credentials never enter it: the `Authorization` value is replaced by its scheme
 * and `<redacted>`, and `auth` says how the token fared.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthOutcome } from './auth.js';
import type { WireResponse } from './wire.js';

export interface RecordedRequest {
  /** `GET`, `POST`, ... as sent. */
  method: string;
  /** The path as sent, without the query (still percent-encoded). */
  path: string;
  /** Query parameters (the first value of each). */
  query: Record<string, string>;
  /**
   * Request headers, lower-case names, repeated ones joined with `, `. `authorization` reads
   * `Key <redacted>` when it starts with `Key ` (`<redacted>` otherwise; `auth` tells whether
   * it was well formed); session tokens and cookies are redacted too.
   */
  headers: Record<string, string>;
  /** The parsed JSON body, the raw text when it is not JSON, undefined when there was none (or it passed the size cap). */
  body: unknown;
  /**
   * Which connection it came on: 1 for the first the emulator accepted, 2 for the next, and
   * so on (not reset by `clearRequests()`); two requests with the same number shared one.
   */
  connection: number;
  /** HTTP status answered; `0` while unanswered, and for dropped or hung requests. */
  status: number;
  /** `status.code` of the JSON answer, when it had one. */
  clarifaiCode?: number;
  /** The kind of the injected fault that handled this request, if any. */
  fault?: string;
  /** How the credentials fared: `ok`, `missing`, `malformed` (not `Key <token>`) or `unknown` (token not accepted). */
  auth: AuthOutcome;
  /** Owner of the accepted token. */
  userId?: string;
  /** `status.req_id` of the JSON answer, when it had one. */
  reqId?: string;
  /** `Date.now()` when the request arrived (its body fully read). */
  at: number;
}

const REDACTED = '<redacted>';
const SECRET_HEADERS = new Set(['x-clarifai-session-token', 'cookie', 'proxy-authorization']);

export function recordHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization') out[name] = text.startsWith('Key ') ? `Key ${REDACTED}` : REDACTED;
    else if (SECRET_HEADERS.has(name)) out[name] = REDACTED;
    else out[name] = text;
  }
  return out;
}

/** One line for `EmulatorOptions.log`: no headers, no body, only the paging parameters of the query. */
export function logLine(entry: RecordedRequest, ms: number): string {
  const paging = ['page', 'per_page']
    .filter((k) => entry.query[k] !== undefined)
    .map((k) => `${k}=${encodeURIComponent(entry.query[k] as string)}`)
    .join('&');
  const path = sanitize(entry.path) + (paging ? `?${paging}` : '');
  const answer = entry.status === 0 ? 'no answer' : String(entry.status);
  const code = entry.clarifaiCode !== undefined ? ` ${entry.clarifaiCode}` : '';
  const fault = entry.fault ? ` [fault: ${entry.fault}]` : '';
  return `${sanitize(entry.method)} ${path} -> ${answer}${code} ${ms}ms${fault}`;
}

// Keep one request on one line whatever bytes the path holds.
function sanitize(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 300);
}

/** Copies what the log keeps of a response: status, and the Clarifai code and req_id of a JSON body. */
export function noteResponse(entry: RecordedRequest, wire: WireResponse): void {
  entry.status = wire.status;
  const status = (wire.json as { status?: { code?: unknown; req_id?: unknown } } | undefined)?.status;
  if (typeof status?.code === 'number') entry.clarifaiCode = status.code;
  if (typeof status?.req_id === 'string') entry.reqId = status.req_id;
}
