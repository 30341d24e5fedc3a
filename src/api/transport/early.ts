/**
 * Connections opened before the library is loaded, for the first requests of a cold start
 * (docs/performance.md, "The early connection"). The register files and `run` open them as
 * they start (startup/connect-early.ts decides whether, and to where, from the environment
 * alone), so that TCP and the TLS handshake overlap compiling the library and resolving the
 * settings; the load's first requests take them (node-http.ts). A taken socket carries
 * nothing before its request, which the load makes only once the settings are resolved and
 * the trust rules checked; one that no request takes is closed when the load ends.
 *
 * Held in a global: the early code and the library are separate bundles, and each has its
 * own copy of this module.
 */
import type { Agent } from 'node:http';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { lookupUntil } from './lookup.js';

/** One early connection: TCP first, TLS over it once the first SYN is out (see openEarly). */
interface Connection {
  tcp: Socket;
  tls?: TLSSocket;
}

interface Early {
  host: string;
  port: number;
  servername: string | undefined;
  connections: Connection[];
  /** Ends the name lookups still in flight: a pending lookup would keep the process alive. */
  lookups: AbortController;
}

const KEY = Symbol.for('clarifai-secrets.early-connections');
const store = globalThis as { [KEY]?: Early };

/**
 * Opens `count` connections to `url`'s host, each name lookup bounded by `timeoutMs` and
 * ended by dropEarly. TCP starts now; TLS goes over it one turn later, as the agent would
 * (default trust store, the host as server name): a process's first TLS connection builds
 * the trust store, tens of ms on a slow machine, and that must come after the SYN, not
 * before it. Unref'd: they never hold the process open. An error is left for the request
 * that would have taken the connection, which makes one of its own and meets it there.
 */
export function openEarly(url: URL, count: number, timeoutMs: number): void {
  const net = process.getBuiltinModule('node:net');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === '' ? 443 : Number(url.port);
  const lookups = new AbortController();
  const lookup = lookupUntil(AbortSignal.any([lookups.signal, AbortSignal.timeout(timeoutMs)]));
  const connections: Connection[] = [];
  for (let i = 0; i < count; i++) {
    const tcp = net.connect({ host, port, lookup });
    // As Node's http agent sets it on its own connections.
    tcp.setNoDelay(true);
    tcp.on('error', () => undefined);
    tcp.unref();
    connections.push({ tcp });
  }
  const early: Early = { host, port, servername: net.isIP(host) === 0 ? host : undefined, connections, lookups };
  store[KEY] = early;
  setImmediate(() => connections.forEach((connection) => secure(early, connection))).unref();
}

function secure(early: Early, connection: Connection): TLSSocket {
  if (!connection.tls) {
    const { host, servername } = early;
    connection.tls = process.getBuiltinModule('node:tls').connect({ socket: connection.tcp, host, ...(servername ? { servername } : {}) });
    connection.tls.on('error', () => undefined);
  }
  return connection.tls;
}

/** An early connection to `host:port` still open, or undefined. */
function takeEarly(host: unknown, port: unknown): TLSSocket | undefined {
  const early = store[KEY];
  if (!early || host !== early.host || Number(port ?? 443) !== early.port) return undefined;
  let connection: Connection | undefined;
  while ((connection = early.connections.shift()) !== undefined) {
    if (connection.tcp.destroyed || connection.tls?.destroyed) continue;
    // From here the request's own deadline and listeners govern it.
    connection.tcp.ref();
    return secure(early, connection);
  }
  return undefined;
}

/** Lets `agent` hand out early connections to its first requests before it opens its own. */
export function takeEarlyFirst(agent: Agent): void {
  const open = agent.createConnection.bind(agent);
  agent.createConnection = ((options, callback) => {
    // Made with the default trust settings: a request that asks for others opens its own.
    const early = (options as { rejectUnauthorized?: boolean }).rejectUnauthorized === false ? undefined : takeEarly(options.host, options.port);
    return early ?? open(options, callback);
  }) as Agent['createConnection'];
}

/** Closes every early connection no request took: the load is over, or never needed the network. */
export function dropEarly(): void {
  const early = store[KEY];
  if (!early) return;
  delete store[KEY];
  early.lookups.abort();
  for (const { tcp, tls } of early.connections) (tls ?? tcp).destroy();
}
