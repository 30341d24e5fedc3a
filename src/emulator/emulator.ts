/**
 * `startEmulator`: the store, the tokens and the HTTP server put together, and the handle
 * with its test support layer.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { TokenTable } from './auth.js';
import { loadDataFile, saveDataFile } from './data-file.js';
import { HostCheck, invalidHostNameReason } from './host-check.js';
import { FaultQueue, type Fault, type FaultMatch } from './faults.js';
import type { EmulatorOptions, EmulatorSecretSeed } from './options.js';
import type { RecordedRequest } from './request-log.js';
import { LatencyRelay, type RelayedConnection } from './latency-relay.js';
import { EmulatorServer, type ConnectionCounts } from './server.js';
import { selfSignedCertificate } from './tls-cert.js';
import { SecretStore, secretFromSeed, type EmulatorSecret, type StoreState, type StoredSecret } from './store.js';

const DEFAULT_USER_ID = 'emulator-user';
const DEFAULT_MAX_RECORDED = 10_000;

export interface Emulator {
  /**
   * Base URL to use as `CLARIFAI_API_BASE`, e.g. `http://127.0.0.1:41234` (no trailing slash).
   * For a wildcard `host` (`0.0.0.0`, `::`) it names loopback.
   */
  readonly url: string;
  /** The port actually listened on (useful with `port: 0`). */
  readonly port: number;
  readonly host: string;
  /** Owner of the default token and of tokens given as a plain array. */
  readonly defaultUserId: string;
  /**
   * With `tls`, the certificate served (PEM): write it to a file and point
   * `NODE_EXTRA_CA_CERTS` at it to make Node clients trust the emulator. Undefined over HTTP.
   */
  readonly certificate: string | undefined;
  /** Stops listening and ends every connection, hung requests included. Safe to call twice. */
  close(): Promise<void>;

  // ---- Test support: not part of what the CLI exposes to users. ----

  /**
   * For tests: the requests received since start or `clearRequests()`, oldest first, at most
   * `maxRecordedRequests` of them (a live array: it grows as requests arrive).
   */
  readonly requests: RecordedRequest[];
  /** For tests: empties `requests` and sets the `connectionStats()` counts back to 0. */
  clearRequests(): void;
  /**
   * For tests and benchmarks: TCP connections accepted and TLS handshakes (full, resumed,
   * failed) since start, `clearRequests()` or `reset()`. A copy: read it again for new counts.
   */
  connectionStats(): EmulatorConnectionStats;
  /**
   * For tests and benchmarks: with `latencyMs`, each connection through the latency relay
   * since start, `clearRequests()` or `reset()`, oldest first: the round trips it took
   * (counted from the order of bytes: 1 for TCP, 1 per client flight the server answered) and
   * the milliseconds from accepting it to the last byte delivered to the client (timing:
   * for benchmarks, not for assertions). Empty without `latencyMs`.
   */
  relayConnections(): EmulatorRelayedConnection[];
  /** For tests: the next matching request(s) get `fault` (see `Fault` and `FaultMatch`; default: the next request, once). */
  inject(fault: Fault, match?: FaultMatch): void;
  /** For tests: drops every injected fault that has not been used up. */
  clearFaults(): void;
  /**
   * For tests: from now on a list page holds at most `n` secrets whatever `per_page` asks
   * (pages are cut at that size, so walking pages until an empty one still sees every
   * secret). `undefined` or `Infinity` removes the cap.
   */
  setPerPageCap(n: number | undefined): void;
  /**
   * For tests: creates or replaces secrets of `userId` (`'me'`: the default user) directly,
   * version 1 and fresh timestamps; persisted with `data`.
   */
  seed(userId: string, secrets: readonly EmulatorSecretSeed[]): void;
  /** For tests: the secrets of `userId` (`'me'`: the default user) as stored, oldest first; `[]` for an unknown user. */
  snapshot(userId: string): EmulatorSecret[];
  /** For tests: back to the state at start (seeds or data file), no requests logged, no faults, no page cap. */
  reset(): void;
}

export type EmulatorConnectionStats = ConnectionCounts;
export type EmulatorRelayedConnection = RelayedConnection;

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const { port, maxRecorded, latencyMs } = checkedNumbers(options);
  const host = options.host ?? '127.0.0.1';
  // Before anything is bound or written: the default token is in every README, so on an
  // interface other machines reach it would hand them the secrets.
  if (options.pats === undefined && (await servesOtherMachines(host))) {
    throw new Error(`emulator: host ${JSON.stringify(host)} serves other machines and the default token is public: pass pats with a token of your own`);
  }
  const users = options.users ?? {};
  const extraHosts = allowedHosts(options.allowedHosts);
  const hosts = new HostCheck(host, extraHosts);
  const defaultUserId = Object.keys(users)[0] ?? DEFAULT_USER_ID;
  const tokens = new TokenTable(options.pats, defaultUserId);

  const dataPath = options.data === undefined ? undefined : resolvePath(options.data);
  const store = new SecretStore(dataPath === undefined ? undefined : (state) => saveDataFile(dataPath, state));
  // Seeds are the state of a fresh emulator; an existing data file replaces them.
  store.replaceState(loadDataFileOrUndefined(dataPath) ?? seededState(users));
  const initial = store.exportState();

  const tls = await tlsCredentials(options.tls, host, extraHosts);

  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();
  const limits: Limits = { perPageCap: undefined };

  const server = new EmulatorServer({
    store,
    tokens,
    faults,
    hosts,
    record: (entry) => {
      if (maxRecorded === 0) return;
      requests.push(entry);
      if (requests.length > maxRecorded) requests.splice(0, requests.length - maxRecorded);
    },
    perPageCap: () => limits.perPageCap,
    log: options.log,
    tls,
  });
  const { address, relay } = await listen(server, latencyMs, port, host);
  // A wildcard address is not somewhere to connect to: hand out loopback instead.
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const urlHost = reachable.includes(':') ? `[${reachable}]` : reachable;

  return {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${address.port}`,
    port: address.port,
    host,
    defaultUserId,
    certificate: tls === undefined ? undefined : String(tls.cert),
    ...controls({ store, initial, requests, faults, limits, server, relay, defaultUserId }),
  };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

function isLoopback(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * True when listening on `host` lets other machines connect: a wildcard (`0.0.0.0`, `::`),
 * a LAN address, or a name with any address that is not loopback. A name that does not
 * resolve is false: listening on it fails anyway, with its own error.
 */
export async function servesOtherMachines(host: string): Promise<boolean> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) return !isLoopback(bare);
  if (/^localhost\.?$/i.test(bare)) return false;
  let addresses: Array<{ address: string }>;
  try {
    addresses = await lookup(bare, { all: true });
  } catch {
    return false;
  }
  return addresses.some(({ address }) => !isLoopback(address));
}

/** What tests may change while the emulator runs. */
interface Limits {
  perPageCap: number | undefined;
}

/** The running emulator's parts, which its handle's methods act on. */
interface Parts {
  store: SecretStore;
  initial: StoreState;
  requests: RecordedRequest[];
  faults: FaultQueue;
  limits: Limits;
  server: EmulatorServer;
  relay: LatencyRelay | undefined;
  defaultUserId: string;
}

type Controls = Omit<Emulator, 'url' | 'port' | 'host' | 'defaultUserId' | 'certificate'>;

function controls({ store, initial, requests, faults, limits, server, relay, defaultUserId }: Parts): Controls {
  const user = (userId: string): string => (userId === 'me' ? defaultUserId : userId);
  return {
    close: async () => {
      await Promise.all([relay?.close(), server.close()]);
    },
    requests,
    clearRequests: () => {
      requests.length = 0;
      server.resetCounts();
      relay?.resetSpans();
    },
    connectionStats: () => ({ ...server.counts }),
    relayConnections: () => relay?.connections() ?? [],
    inject: (fault, match) => faults.add(fault, match),
    clearFaults: () => faults.clear(),
    setPerPageCap: (n) => {
      if (n !== undefined && n !== Infinity && !(Number.isInteger(n) && n > 0)) {
        throw new TypeError('setPerPageCap: n must be a positive integer, Infinity or undefined');
      }
      limits.perPageCap = n === Infinity ? undefined : n;
    },
    seed: (userId, secrets) => store.seed(user(userId), secrets),
    snapshot: (userId) => store.snapshot(user(userId)),
    reset: () => {
      store.replaceState(initial);
      faults.clear();
      requests.length = 0;
      server.resetCounts();
      relay?.resetSpans();
      limits.perPageCap = undefined;
    },
  };
}

/** The numeric options, checked before anything is started. */
function checkedNumbers(options: EmulatorOptions): { port: number; maxRecorded: number; latencyMs: number } {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError('emulator: port must be an integer from 0 to 65535');
  const maxRecorded = options.maxRecordedRequests ?? DEFAULT_MAX_RECORDED;
  if (!(maxRecorded === Infinity || (Number.isInteger(maxRecorded) && maxRecorded >= 0))) {
    throw new TypeError('emulator: maxRecordedRequests must be an integer >= 0 or Infinity');
  }
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0 && latencyMs <= 60_000)) {
    throw new TypeError('emulator: latencyMs must be a number of milliseconds from 0 to 60000');
  }
  return { port, maxRecorded, latencyMs };
}

/** Listens on `port`; with a latency, the server listens on a loopback port of its own and clients reach it through the relay. */
async function listen(
  server: EmulatorServer,
  latencyMs: number,
  port: number,
  host: string,
): Promise<{ address: { port: number }; relay: LatencyRelay | undefined }> {
  if (latencyMs === 0) return { address: await server.listen(port, host), relay: undefined };
  const inner = await server.listen(0, '127.0.0.1');
  const relay = new LatencyRelay(latencyMs, () => inner.port);
  try {
    return { address: await relay.listen(port, host), relay };
  } catch (error) {
    await server.close();
    throw error;
  }
}

async function tlsCredentials(
  option: EmulatorOptions['tls'],
  host: string,
  extraNames: readonly string[],
): Promise<{ key: string | Buffer; cert: string | Buffer } | undefined> {
  if (option === undefined || option === false) return undefined;
  if (option === true) {
    const wildcard = host === '0.0.0.0' || host === '::';
    return selfSignedCertificate(['localhost', '127.0.0.1', '::1', ...(wildcard ? [] : [host]), ...extraNames]);
  }
  const pem = (value: unknown): value is string | Buffer => (typeof value === 'string' || Buffer.isBuffer(value)) && value.length > 0;
  if (typeof option !== 'object' || option === null || !pem(option.key) || !pem(option.cert)) {
    throw new TypeError('emulator: tls must be true (a certificate of its own) or { key, cert } with PEM strings or Buffers');
  }
  return { key: option.key, cert: option.cert };
}

function allowedHosts(names: readonly string[] | undefined): readonly string[] {
  if (names === undefined) return [];
  if (!Array.isArray(names)) throw new TypeError('emulator: allowedHosts must be an array of host names');
  for (const name of names) {
    const reason = typeof name === 'string' ? invalidHostNameReason(name) : 'a host name must be a string';
    if (reason) throw new TypeError(`emulator: allowedHosts has ${JSON.stringify(name)}: ${reason}`);
  }
  return names;
}

function loadDataFileOrUndefined(path: string | undefined): StoreState | undefined {
  return path === undefined ? undefined : loadDataFile(path);
}

function seededState(users: Readonly<Record<string, readonly EmulatorSecretSeed[]>>): StoreState {
  const state: StoreState = new Map();
  for (const [userId, seeds] of Object.entries(users)) {
    if (userId === 'me') {
      // "me" is what clients send, not who owns the data: the first key is the user it means.
      throw new TypeError(
        'emulator: "me" cannot be a user id in users: it is the alias clients use for the token\'s owner. ' +
          "Name the user instead, e.g. users: { 'dev-user': [...] }: the first key owns the tokens, and \"me\" reaches it",
      );
    }
    if (userId === '' || userId.includes('/')) {
      throw new TypeError(`emulator: invalid user id ${JSON.stringify(userId)}: use a name without "/", such as "dev-user"`);
    }
    const secrets = new Map<string, StoredSecret>();
    for (const seed of seeds) {
      const secret = secretFromSeed(userId, seed);
      if (secrets.has(secret.id)) throw new TypeError(`emulator: user "${userId}" has secret "${secret.id}" twice`);
      secrets.set(secret.id, secret);
    }
    state.set(userId, secrets);
  }
  return state;
}
