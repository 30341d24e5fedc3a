import type { Dispatcher } from 'undici';
import { DEFAULT_TIMEOUT_MS } from '../../settings/config.js';
import { lookupWithin } from './lookup.js';
import { type HttpRequest, type HttpResponse, type Transport, TransportError, networkError } from './types.js';

type Undici = typeof import('undici');

let loading: Promise<Undici> | undefined;
let defaultDispatcher: Dispatcher | undefined;

/**
 * undici, loaded on first request: its import and WebAssembly parser cost about 250 ms,
 * which only the library and CLI paths that use it should pay.
 */
function undici(): Promise<Undici> {
  loading ??= import('undici');
  return loading;
}

/**
 * The library's HTTP client. Without a dispatcher, undici's EnvHttpProxyAgent is used, so
 * `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY` are honoured the way users expect.
 */
export function undiciTransport(dispatcher?: Dispatcher): Transport {
  return async (req: HttpRequest): Promise<HttpResponse> => {
    const { request, EnvHttpProxyAgent } = await undici();
    // Cancellable lookups here too (lookup.ts); the client's deadline still ends the call.
    defaultDispatcher ??= new EnvHttpProxyAgent({ connect: { lookup: lookupWithin(DEFAULT_TIMEOUT_MS) } });
    let res: Dispatcher.ResponseData;
    try {
      res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.body ?? null,
        signal: req.signal,
        dispatcher: dispatcher ?? defaultDispatcher,
      });
    } catch (error) {
      if (req.signal.aborted) throw new TransportError('aborted', true, 'aborted');
      throw networkError(error, false);
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(res.headers)) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const declared = Number(headers['content-length']);
    if (declared > req.maxBytes) {
      res.body.destroy();
      throw new TransportError(`response body of ${declared} bytes is over the limit`, true, 'too-large');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > req.maxBytes) {
          res.body.destroy();
          throw new TransportError(`response body is over the limit of ${req.maxBytes} bytes`, true, 'too-large');
        }
        chunks.push(chunk);
      }
    } catch (error) {
      if (error instanceof TransportError) throw error;
      if (req.signal.aborted) throw new TransportError('aborted', true, 'aborted');
      throw new TransportError('connection closed before the body ended', true, 'network');
    }
    return { status: res.statusCode, headers, body: Buffer.concat(chunks, size) };
  };
}
