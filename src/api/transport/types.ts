/**
 * The raw HTTP exchange, kept apart from the protocol so two clients can sit under it:
 * undici for the library and the CLI, and Node's own `http` on the preload's startup
 * path, where loading undici would cost more than the whole app start (bench/README.md).
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface HttpRequest {
  method: HttpMethod;
  url: URL;
  headers: Record<string, string>;
  body?: string | undefined;
  /** Aborts the exchange, body included: the caller's deadline. */
  signal: AbortSignal;
  /** Bodies larger than this are refused before they are buffered. */
  maxBytes: number;
}

export interface HttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export type Transport = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * A failure below HTTP. `reached` is false only when the request cannot have reached the
 * server (refused, DNS, connect timeout): the one case where a write may be retried.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly reached: boolean,
    readonly kind: 'network' | 'too-large' | 'aborted',
    /** What to do, for failures that another attempt cannot mend (TLS); else undefined. */
    readonly advice?: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Socket error codes that mean the request never left this machine or never got in. */
const NOT_REACHED = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

const DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  CERT_HAS_EXPIRED: 'TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate could not be verified',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate does not match the host name',
};

/** Certificate codes that mean "not signed by a CA this process trusts". */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** TLS failures another attempt cannot mend, told in words a user can act on. */
function tlsFailure(error: unknown, code: string | undefined): TransportError | undefined {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : '';
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'ERR_SSL_PACKET_LENGTH_TOO_LONG' || /wrong version number|packet length too long/i.test(text)) {
    return new TransportError(
      'the server answered in plain HTTP, not TLS',
      true,
      'network',
      'use http:// in CLARIFAI_API_BASE for a plain-HTTP server such as a local emulator, or check the port',
    );
  }
  if (code && UNTRUSTED.has(code)) {
    return new TransportError(
      `the server's TLS certificate is not trusted (${code})`,
      true,
      'network',
      'when a proxy re-signs TLS, give Node its CA certificate with NODE_EXTRA_CA_CERTS=/path/to/ca.pem',
    );
  }
  return undefined;
}

/** Turns a socket-level error into a TransportError whose message holds no URL or header. */
export function networkError(error: unknown, connected: boolean): TransportError {
  const code = findCode(error);
  const tls = tlsFailure(error, code);
  if (tls) return tls;
  const what = (code && DESCRIPTIONS[code]) ?? (code ? `network error ${code}` : 'network error');
  // Before the socket connected, only the codes above prove nothing was sent.
  const reached = connected || !NOT_REACHED.has(code ?? '');
  return new TransportError(what, reached, 'network');
}

function findCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && code !== 'ERR_UNHANDLED_ERROR') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}
