/**
 * How each injected fault answers a request: one small function per kind, chosen by
 * `deliverFault`. Faults that need the normal answer compute it (so the operation happens);
 * the others never touch the store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { StatusCode } from '../api/status-codes.js';
import { retryAfterHeader, type Fault, type RawFault, type ThrottleFault, type TransformFault, type TrickleFault, type TruncateFault } from './faults.js';
import { noteResponse, type RecordedRequest } from './request-log.js';
import { errorResponse, JSON_CONTENT_TYPE, type ResponseKind, type WireResponse } from './wire.js';

/** What a fault needs of the request it answers. */
export interface FaultDelivery {
  req: IncomingMessage;
  res: ServerResponse;
  entry: RecordedRequest;
  kind: ResponseKind;
  reqId: string;
  /** The normal answer (performs the operation). */
  compute: () => WireResponse;
  /** Logs and writes a whole answer. */
  send: (wire: WireResponse) => void;
  /** Logs the request as done, for faults that write nothing or write on their own. */
  finished: () => void;
  /** A timer that `close()` clears. */
  later: (ms: number, fn: () => void) => void;
}

export function deliverFault(fault: Fault, d: FaultDelivery): void {
  switch (fault.kind) {
    case 'error':
      d.send(errorResponse(d.kind, fault.status, fault.code, d.reqId, fault.details, fault.headers ?? {}, fault.description));
      return;
    case 'throttle':
      d.send(throttled(fault, d));
      return;
    case 'latency':
      d.later(fault.ms, () => d.send(d.compute()));
      return;
    case 'drop':
      d.finished();
      d.req.socket.destroy();
      return;
    case 'hang':
      // Nothing is written; close() destroys the socket.
      d.finished();
      return;
    case 'raw':
      d.send(raw(fault));
      return;
    case 'transform':
      d.send(transformed(fault, d));
      return;
    case 'truncate':
      truncate(fault, d);
      return;
    case 'trickle':
      trickle(fault, d);
      return;
  }
}

function throttled(fault: ThrottleFault, d: FaultDelivery): WireResponse {
  const headers: Record<string, string> = {};
  if (fault.retryAfter !== undefined) headers['Retry-After'] = retryAfterHeader(fault.retryAfter);
  return errorResponse(d.kind, fault.status ?? 429, fault.code ?? StatusCode.CONN_THROTTLED, d.reqId, undefined, headers);
}

function raw(fault: RawFault): WireResponse {
  const headers: Record<string, string> = { ...fault.headers };
  const contentType = fault.contentType === undefined ? JSON_CONTENT_TYPE : fault.contentType;
  if (contentType !== null) headers['Content-Type'] = contentType;
  return { status: fault.status ?? 200, headers, body: Buffer.from(fault.body) };
}

function transformed(fault: TransformFault, d: FaultDelivery): WireResponse {
  const normal = d.compute();
  let out: unknown;
  try {
    out = fault.transform(structuredClone(normal.json) as Record<string, unknown>, d.entry);
  } catch {
    return errorResponse(d.kind, 500, StatusCode.INTERNAL_SERVER_ISSUE, d.reqId, 'the transform fault threw');
  }
  const status = fault.status ?? normal.status;
  if (typeof out === 'string' || out instanceof Uint8Array) return { status, headers: normal.headers, body: Buffer.from(out) };
  return { status, headers: normal.headers, body: Buffer.from(JSON.stringify(out) ?? '', 'utf8'), json: out };
}

function truncate(fault: TruncateFault, d: FaultDelivery): void {
  const wire = startFullLength(d);
  if (!wire) return;
  const keep = Math.floor(wire.body.length * (fault.keep ?? 0.5));
  d.res.write(wire.body.subarray(0, keep), () => d.req.socket.destroy());
}

function trickle(fault: TrickleFault, d: FaultDelivery): void {
  const wire = startFullLength(d);
  if (!wire) return;
  // Small chunks, evenly spaced: about 20 writes a second, at least one byte each.
  const chunk = Math.max(1, Math.floor(fault.bytesPerSecond / 20));
  const interval = (chunk / fault.bytesPerSecond) * 1000;
  let offset = 0;
  const step = (): void => {
    if (d.res.destroyed) return;
    const next = Math.min(offset + chunk, wire.body.length);
    const piece = wire.body.subarray(offset, next);
    offset = next;
    if (offset >= wire.body.length) {
      d.res.end(piece);
      return;
    }
    d.res.write(piece);
    d.later(interval, step);
  };
  d.later(interval, step);
}

/**
 * The normal answer, logged, with its headers (the full Content-Length) already sent, for
 * the faults that then write its body their own way. Undefined when the client is gone.
 */
function startFullLength(d: FaultDelivery): WireResponse | undefined {
  const wire = d.compute();
  noteResponse(d.entry, wire);
  d.finished();
  if (d.res.destroyed) return undefined;
  d.res.writeHead(wire.status, { ...wire.headers, 'Content-Length': String(wire.body.length) });
  d.res.flushHeaders();
  return wire;
}
