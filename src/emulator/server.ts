/**
 * The HTTP side: node:http, one request at a time through body reading, the request log,
 * fault injection and the API handlers, and a `close()` that ends every socket (hung
 * requests included) so tests never wait on it.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { StatusCode } from '../api/status-codes.js';
import type { AuthCheck, TokenTable } from './auth.js';
import type { ParsedBody } from './decode.js';
import { deliverFault } from './fault-delivery.js';
import type { FaultQueue } from './faults.js';
import { handleApi, type ApiContext } from './handlers.js';
import type { HostCheck } from './host-check.js';
import { logLine, noteResponse, recordHeaders, type RecordedRequest } from './request-log.js';
import { pageResponse } from './page.js';
import { matchRoute, responseKind } from './routes.js';
import type { SecretStore } from './store.js';
import { errorResponse, JSON_CONTENT_TYPE, newReqId, type WireResponse } from './wire.js';
import { listenOn } from './listen.js';

/** Bodies above this get 413 (the real limit is unknown; Clarifai's own SDK bodies are far smaller). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
// Past this much, an oversized upload is cut off instead of drained.
const DRAIN_LIMIT = 4 * MAX_BODY_BYTES;

export interface ServerParts {
  store: SecretStore;
  tokens: TokenTable;
  faults: FaultQueue;
  hosts: HostCheck;
  /** Takes each request's log entry as soon as its body is read; the entry is filled in as it is answered. */
  record: (entry: RecordedRequest) => void;
  perPageCap: () => number | undefined;
  log: ((line: string) => void) | undefined;
  /** Key and certificate (PEM) to serve HTTPS with; plain HTTP without. */
  tls: { key: string | Buffer; cert: string | Buffer } | undefined;
}

/** What the server saw below HTTP, counted since start or the last `resetCounts()`. */
export interface ConnectionCounts {
  /** TCP connections accepted. */
  connections: number;
  /** TLS handshakes that made a new session (a full handshake). */
  tlsFull: number;
  /** TLS handshakes that resumed an earlier session (a ticket or session id). */
  tlsResumed: number;
  /** TLS handshakes that failed (e.g. the client did not trust the certificate). */
  tlsFailed: number;
}

export class EmulatorServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  // Keyed by the client's address and port, which the TCP socket and the TLS socket above it share.
  private readonly connectionIds = new Map<string, number>();
  private lastConnectionId = 0;
  readonly counts: ConnectionCounts = { connections: 0, tlsFull: 0, tlsResumed: 0, tlsFailed: 0 };
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: ServerParts) {
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch(() => lastResort(res));
    };
    this.server = parts.tls ? createHttpsServer({ key: parts.tls.key, cert: parts.tls.cert }, onRequest) : createServer(onRequest);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      this.counts.connections += 1;
      const key = peerKey(socket);
      this.connectionIds.set(key, ++this.lastConnectionId);
      socket.once('close', () => {
        this.sockets.delete(socket);
        this.connectionIds.delete(key);
      });
    });
    this.server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.isSessionReused()) this.counts.tlsResumed += 1;
      else this.counts.tlsFull += 1;
    });
    this.server.on('tlsClientError', () => {
      this.counts.tlsFailed += 1;
    });
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
      // Unparseable HTTP: answer like the API would, in JSON, then hang up.
      if (error.code === 'ECONNRESET' || !socket.writable) {
        socket.destroy();
        return;
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const wire = errorResponse('base', status, StatusCode.CONN_BAD_REQUEST_FORMAT, newReqId(undefined), 'malformed HTTP request');
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\n` +
          `Content-Length: ${wire.body.length}\r\nConnection: close\r\n\r\n${wire.body.toString('utf8')}`,
      );
    });
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return listenOn(this.server, port, host);
  }

  resetCounts(): void {
    Object.assign(this.counts, { connections: 0, tlsFull: 0, tlsResumed: 0, tlsFailed: 0 });
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  private later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const read = await readBody(req);
    if (!read || this.closing) return;

    const request = parseRequest(req, read, this.parts.tokens);
    const { method, path, target, auth, reqId } = request;
    const entry = newEntry(req, request, read.tooLarge);
    entry.connection = this.connectionIds.get(peerKey(req.socket)) ?? 0;
    this.parts.record(entry);

    const finished = (): void => {
      try {
        this.parts.log?.(logLine(entry, Date.now() - started));
      } catch {
        // A broken log sink must not break the API.
      }
    };
    const send = (wire: WireResponse): void => {
      noteResponse(entry, wire);
      finished();
      if (res.destroyed) return;
      res.writeHead(wire.status, { ...wire.headers, 'Content-Length': String(wire.body.length) });
      res.end(wire.body);
    };

    const route = matchRoute(method, path);
    const kind = responseKind(route);
    const host = refusedHost(this.parts.hosts, req);
    if (host !== undefined) {
      send(errorResponse(kind, 403, StatusCode.CONN_INVALID_REQUEST, reqId, hostRefusal(host)));
      return;
    }
    // The page's files are not the API: they never take a fault meant for an API call.
    const page = pageResponse(method, path);
    if (page) {
      send(page);
      return;
    }

    const context: ApiContext = { store: this.parts.store, perPageCap: this.parts.perPageCap(), maxBodyBytes: MAX_BODY_BYTES };
    const compute = (): WireResponse =>
      handleApi({ method, route, query: request.query, body: request.body, bodyTooLarge: read.tooLarge, auth, reqId }, context);
    const fault = this.parts.faults.take(method, path, target);
    if (!fault) {
      send(compute());
      return;
    }
    entry.fault = fault.kind;
    deliverFault(fault, { req, res, entry, kind, reqId, compute, send, finished, later: (ms, fn) => this.later(ms, fn) });
  }
}

interface ParsedRequest {
  method: string;
  /** The origin-form target: path and query. */
  target: string;
  path: string;
  query: URLSearchParams;
  body: ParsedBody;
  auth: AuthCheck;
  reqId: string;
}

function parseRequest(req: IncomingMessage, read: { bytes: Buffer }, tokens: TokenTable): ParsedRequest {
  const target = requestTarget(req.url ?? '/');
  const queryIndex = target.indexOf('?');
  const prefix = headerValue(req.headers['x-clarifai-request-id-prefix'])?.trim();
  return {
    method: req.method ?? 'GET',
    target,
    path: queryIndex < 0 ? target : target.slice(0, queryIndex),
    query: new URLSearchParams(queryIndex < 0 ? '' : target.slice(queryIndex + 1)),
    body: parseBody(read.bytes),
    auth: tokens.check(req.headers.authorization),
    reqId: newReqId(prefix || undefined),
  };
}

function newEntry(req: IncomingMessage, request: ParsedRequest, tooLarge: boolean): RecordedRequest {
  const { query, body, auth } = request;
  const entry: RecordedRequest = {
    method: request.method,
    path: request.path,
    query: Object.fromEntries([...new Set(query.keys())].map((k) => [k, query.get(k) as string])),
    headers: recordHeaders(req.headers),
    body: tooLarge ? undefined : body.kind === 'json' ? body.value : body.kind === 'invalid' ? body.text : undefined,
    status: 0,
    connection: 0,
    auth: auth.outcome,
    at: Date.now(),
  };
  if (auth.outcome === 'ok') entry.userId = auth.grant.userId;
  return entry;
}

function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; tooLarge: boolean } | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Keep draining (so the client can read the 413), but keep nothing.
        tooLarge = true;
        chunks.length = 0;
        if (size > DRAIN_LIMIT) req.socket.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve({ bytes: Buffer.concat(chunks), tooLarge }));
    req.once('error', () => resolve(undefined));
    req.once('close', () => resolve(undefined)); // after 'end' this is a no-op
  });
}

function parseBody(bytes: Buffer): ParsedBody {
  if (bytes.length === 0) return { kind: 'empty' };
  const text = bytes.toString('utf8');
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'invalid', text };
  }
}

/** The origin-form target of a request line, also when a client sent the absolute form. */
function requestTarget(url: string): string {
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  const target = absolute ? url.slice(absolute[0].length) || '/' : url;
  const hash = target.indexOf('#');
  return hash < 0 ? target : target.slice(0, hash);
}

/** The name a request was sent to when this server does not answer for it, else undefined. */
function refusedHost(hosts: HostCheck, req: IncomingMessage): string | undefined {
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(req.url ?? '')?.[1];
  // In an absolute-form target the authority, not the Host header, names the server.
  const candidates = [headerValue(req.headers.host), authority];
  for (const candidate of candidates) {
    if (!hosts.accepts(candidate)) return candidate as string;
  }
  return undefined;
}

function hostRefusal(host: string): string {
  const shown = JSON.stringify(host.length > 100 ? `${host.slice(0, 100)}...` : host);
  return (
    `this emulator does not answer requests for host ${shown} (a web page on another site could be using it): ` +
    'reach it as localhost or by its address, or start it with --allow-host NAME (option allowedHosts)'
  );
}

function peerKey(socket: Socket): string {
  return `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lastResort(res: ServerResponse): void {
  try {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const wire = errorResponse('base', 500, StatusCode.INTERNAL_SERVER_ISSUE, newReqId(undefined), 'internal error in the emulator');
    res.writeHead(500, { ...wire.headers, 'Content-Length': String(wire.body.length) });
    res.end(wire.body);
  } catch {
    res.destroy();
  }
}
