import type { PatsOption } from './auth.js';

export type { SecretsScope } from './auth.js';

/** One secret to start with (see `EmulatorOptions.users` and `Emulator.seed`). */
export interface EmulatorSecretSeed {
  /** The secret's id: non-empty, at most 256 characters, no `/` and no control characters. */
  id: string;
  value: string;
  /** Default: none. */
  description?: string | undefined;
  /** Default: never (`expires_at` is then `"1970-01-01T00:00:00Z"` on the wire). RFC 3339 when a string. */
  expiresAt?: Date | string | undefined;
}

export interface EmulatorOptions {
  /**
   * TCP port of the API. Default `0`: a free port chosen by the system (read it from
   * `Emulator.port` or `Emulator.url`). The `clarifai-secrets emulator` command defaults to 8787.
   */
  port?: number | undefined;
  /**
   * Interface to listen on. Default `'127.0.0.1'`: loopback only, so nothing outside the
   * machine can reach it. Use `'0.0.0.0'` deliberately, e.g. inside a container. A host other
   * machines reach (a wildcard, a LAN address, a name resolving to one) needs `pats`:
   * without them `startEmulator` rejects before it binds, as the default token is public.
   */
  host?: string | undefined;
  /**
   * More names (or addresses) the emulator answers for, besides loopback (`localhost`,
   * `127.0.0.0/8`, `::1`), `host`, and, when `host` is a wildcard, this machine's own addresses.
   * A request whose `Host` names anything else gets 403 and nothing else, so a web page that
   * points its own DNS name at the emulator (DNS rebinding) cannot read or change secrets.
   * Name here what clients really use to reach it, e.g. a container's service name:
   * `['emulator']`. Names only, no ports. Default: none.
   */
  allowedHosts?: readonly string[] | undefined;
  /**
   * Accepted personal access tokens and who owns each.
   * - a string array: each token is owned by the default user and has every scope;
   * - an object `{ token: userId }` or `{ token: { userId, scopes } }`: `scopes` limits the
   *   token to some of `Secrets_Get` (get, list), `Secrets_Add` (create, update) and
   *   `Secrets_Delete` (delete); without `scopes` it has all three.
   *
   * Default: `{ 'emulator-pat': <default user> }`, on a loopback `host` only. Any other
   * token gets 401 with 11008.
   */
  pats?: PatsOption | undefined;
  /**
   * Initial secrets per user id. The first key is the default user (the owner of tokens given
   * as a plain array, and of the default token); without any key the default user is
   * `'emulator-user'`. Ignored when `data` names a file that already exists: the file is the state.
   * Default: the default user with no secrets.
   */
  users?: Readonly<Record<string, readonly EmulatorSecretSeed[]>> | undefined;
  /**
   * A JSON file that keeps the secrets across restarts: loaded at start when it exists (a file
   * that cannot be read or parsed makes `startEmulator` reject rather than overwrite it), and
   * rewritten atomically (temporary file, then rename; mode 0600) after every change.
   * Default: none, secrets live in memory only.
   */
  data?: string | undefined;
  /**
   * Called with one line per answered request (method, path, HTTP status, Clarifai code,
   * duration). Lines never carry a token, a header or a body. Default: none.
   * The `clarifai-secrets emulator` command points this at stderr.
   */
  log?: ((line: string) => void) | undefined;
  /**
   * How many requests `Emulator.requests` keeps (bodies included), dropping the oldest first;
   * `0` keeps none. Bounds memory when the emulator runs for long. Default 10,000.
   */
  maxRecordedRequests?: number | undefined;
  /**
   * Serve HTTPS instead of HTTP (`Emulator.url` then starts with `https://`).
   * - `true`: with a certificate of its own, made at start (RSA 2048, self-signed, valid 90
   *   days) for `localhost`, `127.0.0.1`, `::1`, `host` (unless a wildcard) and every
   *   `allowedHosts` name. Clients trust it through `Emulator.certificate`, e.g. written to
   *   a file named by `NODE_EXTRA_CA_CERTS`. The key never leaves the process.
   * - `{ key, cert }`: the PEM private key and certificate (chain) to serve, e.g. read from
   *   files made with mkcert or openssl.
   *
   * Default: `false`, plain HTTP.
   */
  tls?: boolean | EmulatorTlsFiles | undefined;
  /**
   * Make the emulator behave as if it were this many milliseconds of round-trip time away:
   * the TCP connect, each TLS handshake flight and each request/response exchange pays one
   * round trip. Done by a relay in front of the real server that delays every chunk by half
   * of it in each direction and holds a new connection's first bytes for one round trip
   * (the TCP handshake). Name lookups, bandwidth, loss and TCP slow start are not emulated.
   * Default `0`: no relay, no delay.
   */
  latencyMs?: number | undefined;
}

/** A certificate to serve HTTPS with (see `EmulatorOptions.tls`). */
export interface EmulatorTlsFiles {
  /** The private key, PEM. */
  key: string | Buffer;
  /** The certificate, PEM; intermediates may follow it. */
  cert: string | Buffer;
}
