/**
 * The HTTP side: node:http, one request at a time through body reading, the request log,
 * fault injection and the API handlers, and a `close()` that ends every socket (hung
 * requests included) so tests never wait on it.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { StatusCode } from '../api/status-codes.js';
import type { TokenTable } from './auth.js';
import type { ParsedBody } from './decode.js';
import { retryAfterHeader, type Fault, type FaultQueue } from './faults.js';
import { handleApi, type ApiContext } from './handlers.js';
import type { HostCheck } from './host-check.js';
import { logLine, recordHeaders, type RecordedRequest } from './request-log.js';
import { matchRoute, responseKind } from './routes.js';
import type { SecretStore } from './store.js';
import { errorResponse, JSON_CONTENT_TYPE, newReqId, type WireResponse } from './wire.js';

/** Bodies above this get 413 (the real limit is unknown; Clarifai's own SDK bodies are far smaller). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
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
}

export class EmulatorServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: ServerParts) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => lastResort(res));
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
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
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
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

    const method = req.method ?? 'GET';
    const target = requestTarget(req.url ?? '/');
    const queryIndex = target.indexOf('?');
    const path = queryIndex < 0 ? target : target.slice(0, queryIndex);
    const query = new URLSearchParams(queryIndex < 0 ? '' : target.slice(queryIndex + 1));
    const body = parseBody(read.bytes);
    const auth = this.parts.tokens.check(req.headers.authorization);

    const entry: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries([...new Set(query.keys())].map((k) => [k, query.get(k) as string])),
      headers: recordHeaders(req.headers),
      body: read.tooLarge ? undefined : body.kind === 'json' ? body.value : body.kind === 'invalid' ? body.text : undefined,
      status: 0,
      auth: auth.outcome,
      at: Date.now(),
    };
    if (auth.outcome === 'ok') entry.userId = auth.grant.userId;
    this.parts.record(entry);

    const prefix = headerValue(req.headers['x-clarifai-request-id-prefix'])?.trim();
    const reqId = newReqId(prefix || undefined);
    const route = matchRoute(method, path);
    const kind = responseKind(route);
    const context: ApiContext = { store: this.parts.store, perPageCap: this.parts.perPageCap(), maxBodyBytes: MAX_BODY_BYTES };
    const compute = (): WireResponse =>
      handleApi({ method, route, query, body, bodyTooLarge: read.tooLarge, auth, reqId }, context);

    const finished = (): void => {
      try {
        this.parts.log?.(logLine(entry, Date.now() - started));
      } catch {
        // A broken log sink must not break the API.
      }
    };
    const send = (wire: WireResponse): void => {
      note(entry, wire);
      finished();
      if (res.destroyed) return;
      res.writeHead(wire.status, { ...wire.headers, 'Content-Length': String(wire.body.length) });
      res.end(wire.body);
    };

    const host = refusedHost(this.parts.hosts, req);
    if (host !== undefined) {
      send(errorResponse(kind, 403, StatusCode.CONN_INVALID_REQUEST, reqId, hostRefusal(host)));
      return;
    }

    const fault = this.parts.faults.take(method, path, target);
    if (!fault) {
      send(compute());
      return;
    }
    entry.fault = fault.kind;
    this.deliverFault(fault, { req, res, entry, kind, reqId, compute, send, finished });
  }

  private deliverFault(fault: Fault, d: FaultDelivery): void {
    const { res, entry } = d;
    switch (fault.kind) {
      case 'error': {
        d.send(errorResponse(d.kind, fault.status, fault.code, d.reqId, fault.details, fault.headers ?? {}, fault.description));
        return;
      }
      case 'throttle': {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers['Retry-After'] = retryAfterHeader(fault.retryAfter);
        d.send(errorResponse(d.kind, fault.status ?? 429, fault.code ?? StatusCode.CONN_THROTTLED, d.reqId, undefined, headers));
        return;
      }
      case 'latency': {
        this.later(fault.ms, () => d.send(d.compute()));
        return;
      }
      case 'drop': {
        d.finished();
        d.req.socket.destroy();
        return;
      }
      case 'hang': {
        // Nothing is written; close() destroys the socket.
        d.finished();
        return;
      }
      case 'raw': {
        const headers: Record<string, string> = { ...fault.headers };
        const contentType = fault.contentType === undefined ? JSON_CONTENT_TYPE : fault.contentType;
        if (contentType !== null) headers['Content-Type'] = contentType;
        d.send({ status: fault.status ?? 200, headers, body: Buffer.from(fault.body) });
        return;
      }
      case 'transform': {
        const normal = d.compute();
        let out: unknown;
        try {
          out = fault.transform(structuredClone(normal.json) as Record<string, unknown>, entry);
        } catch {
          d.send(errorResponse(d.kind, 500, StatusCode.INTERNAL_SERVER_ISSUE, d.reqId, 'the transform fault threw'));
          return;
        }
        const body =
          typeof out === 'string' || out instanceof Uint8Array ? Buffer.from(out) : Buffer.from(JSON.stringify(out) ?? '', 'utf8');
        const wire: WireResponse = { status: fault.status ?? normal.status, headers: normal.headers, body };
        if (typeof out !== 'string' && !(out instanceof Uint8Array)) wire.json = out;
        d.send(wire);
        return;
      }
      case 'truncate': {
        const wire = startFullLength(d);
        if (!wire) return;
        const keep = Math.floor(wire.body.length * (fault.keep ?? 0.5));
        res.write(wire.body.subarray(0, keep), () => d.req.socket.destroy());
        return;
      }
      case 'trickle': {
        const wire = startFullLength(d);
        if (!wire) return;
        // Small chunks, evenly spaced: about 20 writes a second, at least one byte each.
        const chunk = Math.max(1, Math.floor(fault.bytesPerSecond / 20));
        const interval = (chunk / fault.bytesPerSecond) * 1000;
        let offset = 0;
        const step = (): void => {
          if (res.destroyed) return;
          const next = Math.min(offset + chunk, wire.body.length);
          const piece = wire.body.subarray(offset, next);
          offset = next;
          if (offset >= wire.body.length) {
            res.end(piece);
            return;
          }
          res.write(piece);
          this.later(interval, step);
        };
        this.later(interval, step);
        return;
      }
    }
  }
}

/**
 * The normal answer, logged, with its headers (the full Content-Length) already sent, for
 * the faults that then write its body their own way. Undefined when the client is gone.
 */
function startFullLength(d: FaultDelivery): WireResponse | undefined {
  const wire = d.compute();
  note(d.entry, wire);
  d.finished();
  if (d.res.destroyed) return undefined;
  d.res.writeHead(wire.status, { ...wire.headers, 'Content-Length': String(wire.body.length) });
  d.res.flushHeaders();
  return wire;
}

interface FaultDelivery {
  req: IncomingMessage;
  res: ServerResponse;
  entry: RecordedRequest;
  kind: ReturnType<typeof responseKind>;
  reqId: string;
  compute: () => WireResponse;
  send: (wire: WireResponse) => void;
  finished: () => void;
}

/** Copies what the log keeps of a response: status, and the Clarifai code and req_id of a JSON body. */
function note(entry: RecordedRequest, wire: WireResponse): void {
  entry.status = wire.status;
  const status = (wire.json as { status?: { code?: unknown; req_id?: unknown } } | undefined)?.status;
  if (typeof status?.code === 'number') entry.clarifaiCode = status.code;
  if (typeof status?.req_id === 'string') entry.reqId = status.req_id;
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
