import type { Agent, ClientRequest, IncomingMessage } from 'node:http';
import { flattenHeaders, readBody } from './body.js';
import { takeEarlyFirst } from './early.js';
import { lookupUntil } from './lookup.js';
import { type HttpRequest, type HttpResponse, type Transport, TransportError, networkError } from './types.js';

// Loaded on first use: an app whose secrets come from the cache never pays for `http`/`tls`.
const agents = new Map<string, Agent>();

function agentFor(protocol: string): { agent: Agent; request: typeof import('node:http').request } {
  const mod =
    protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  let agent = agents.get(protocol);
  if (!agent) {
    // Keep-alive lets a page walk reuse one connection; idle sockets are unref'd by Node,
    // so they never hold the app open.
    agent = new mod.Agent({ keepAlive: true, maxSockets: 8 });
    // The connections a cold start opened before the library was loaded (early.ts).
    if (protocol === 'https:') takeEarlyFirst(agent);
    agents.set(protocol, agent);
  }
  return { agent, request: mod.request };
}

/** One exchange over Node's own `http`/`https`: the cheapest client to start. */
export const nodeTransport: Transport = (req: HttpRequest) =>
  new Promise<HttpResponse>((resolve, reject) => {
    if (req.signal.aborted) {
      reject(new TransportError('aborted', false, 'aborted'));
      return;
    }
    const { agent, request } = agentFor(req.url.protocol);
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));

    let connected = false;
    let settled = false;
    const finish = (error: TransportError | undefined, value?: HttpResponse): void => {
      if (settled) return;
      settled = true;
      req.signal.removeEventListener('abort', onAbort);
      if (error) {
        outgoing.destroy();
        reject(error);
      } else resolve(value as HttpResponse);
    };
    const onAbort = (): void => finish(new TransportError('aborted', connected, 'aborted'));

    const outgoing: ClientRequest = request(req.url, { method: req.method, headers, agent, lookup: lookupUntil(req.signal) });
    req.signal.addEventListener('abort', onAbort, { once: true });
    outgoing.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    outgoing.on('error', (error) => finish(networkError(error, connected)));
    outgoing.on('response', (res: IncomingMessage) => {
      const headers = flattenHeaders(res.headers);
      readBody(res, headers, req.maxBytes, () => res.destroy()).then(
        (body) => {
          if (!res.complete) finish(new TransportError('connection closed before the body ended', true, 'network'));
          else finish(undefined, { status: res.statusCode ?? 0, headers, body });
        },
        (error: unknown) =>
          finish(error instanceof TransportError ? error : new TransportError('connection closed before the body ended', true, 'network')),
      );
    });
    outgoing.end(req.body);
  });
