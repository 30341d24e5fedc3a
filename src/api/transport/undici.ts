import type { Dispatcher } from 'undici';
import { DEFAULT_TIMEOUT_MS, isLoopback } from '../../settings/config.js';
import { flattenHeaders, readBody, untilAborted } from './body.js';
import { lookupWithin } from './lookup.js';
import { type HttpRequest, type HttpResponse, type Transport, TransportError, networkError } from './types.js';

type Undici = typeof import('undici');

let loading: Promise<Undici> | undefined;
let direct: Dispatcher | undefined;

/**
 * undici, loaded on first request: its import and WebAssembly parser cost about 250 ms,
 * which only the library and CLI paths that use it should pay.
 */
function undici(): Promise<Undici> {
  loading ??= import('undici');
  return loading;
}

/** Code of the error a failed proxy tunnel becomes (see `proxyClient`). */
export const TUNNEL_FAILED = 'CLARIFAI_SECRETS_PROXY_TUNNEL';

/**
 * The connection to the proxy, whose failed CONNECT fails the request. undici 7 (the last
 * line that runs on Node 20) reads a proxy that drops the CONNECT as a socket error it may
 * retry, and reconnects in a tight loop for as long as the request waits: hundreds of
 * thousands of CONNECTs, and a request that never ends. A distinct error code ends it.
 */
function proxyClient(u: Undici): (origin: URL, options: object) => Dispatcher {
  return (origin, options) => {
    const pool = new u.Pool(origin, options);
    const connect = pool.connect.bind(pool) as (options: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
    (pool as { connect: unknown }).connect = (params: Dispatcher.ConnectOptions) =>
      connect(params).catch((error: unknown) => {
        throw Object.assign(new Error('the proxy closed the connection while opening a tunnel', { cause: error }), { code: TUNNEL_FAILED });
      });
    return pool;
  };
}

/**
 * The library's HTTP client. Without a dispatcher, undici's EnvHttpProxyAgent is used, so
 * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are honoured the way users expect, except for
 * loopback hosts, which never go through a proxy: plain http is allowed to them only
 * because it never leaves the machine. Each request races the caller's deadline; when the
 * deadline wins, the agent (and every connection it holds) is destroyed, since a request
 * stuck in undici's queue does not listen to its signal.
 */
export function undiciTransport(dispatcher?: Dispatcher): Transport {
  let own: Dispatcher | undefined;
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const u = await undici();
    const connect = { lookup: lookupWithin(DEFAULT_TIMEOUT_MS) };
    const local = isLoopback(req.url.hostname);
    const target =
      dispatcher ??
      (local
        ? (direct ??= new u.Agent({ connect }))
        : (own ??= new u.EnvHttpProxyAgent({ connect, clientFactory: proxyClient(u) } as ConstructorParameters<Undici['EnvHttpProxyAgent']>[0])));
    const deadline = untilAborted(req.signal);
    let res: Dispatcher.ResponseData | undefined;
    try {
      const request = u.request(req.url, { method: req.method, headers: req.headers, body: req.body ?? null, signal: req.signal, dispatcher: target });
      request.catch(() => undefined);
      res = await Promise.race([request, deadline.promise]);
      const headers = flattenHeaders(res.headers);
      const body = await Promise.race([readBody(res.body, headers, req.maxBytes, () => res?.body.destroy()), deadline.promise]);
      return { status: res.statusCode, headers, body };
    } catch (error) {
      if (req.signal.aborted) {
        res?.body.destroy();
        if (target === own) {
          own = undefined;
          void target.destroy().catch(() => undefined);
        }
        throw new TransportError('aborted', res !== undefined, 'aborted');
      }
      if (error instanceof TransportError) throw error;
      if (res) throw new TransportError('connection closed before the body ended', true, 'network');
      throw networkError(error, false);
    } finally {
      deadline.dispose();
    }
  };
}
