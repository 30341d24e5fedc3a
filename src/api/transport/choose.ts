import type { Dispatcher } from 'undici';
import { nodeTransport } from './node-http.js';
import type { Transport } from './types.js';
import { undiciTransport } from './undici.js';

/** The variables that send requests through a proxy (undici's EnvHttpProxyAgent reads them). */
export const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/**
 * The client for a load. Node's `http` starts in a few ms where undici costs ~250 ms
 * (bench/README.md), so a load uses it unless undici is needed: a dispatcher was given,
 * or a proxy is configured (undici's EnvHttpProxyAgent honours it; Node's `http` does not).
 */
export function loadTransport(dispatcher: Dispatcher | undefined, env: Record<string, string | undefined> = process.env): Transport {
  if (dispatcher || PROXY_VARS.some((name) => env[name])) return undiciTransport(dispatcher);
  return nodeTransport;
}
