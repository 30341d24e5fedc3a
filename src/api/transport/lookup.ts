/**
 * Name lookups that a deadline can abandon.
 *
 * Node's default lookup is getaddrinfo on libuv's thread pool, and a process cannot end
 * while one is in flight, not even through process.exit. With a resolver that drops
 * queries, a load would fail at its deadline but the process would live on until the
 * system resolver gave up. c-ares (`dns.Resolver`) works on its own sockets and can be
 * cancelled, so it asks first. It does not read /etc/hosts or nsswitch, so when it answers
 * "no such name", getaddrinfo is asked after all: that answer is quick, the resolver works.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';

type Callback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** c-ares answers meaning the name does not exist in DNS (it may still be in /etc/hosts). */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA']);

function deliver(callback: Callback, options: LookupOptions, addresses: LookupAddress[]): void {
  if (options.all) callback(null, addresses);
  else callback(null, (addresses[0] as LookupAddress).address, (addresses[0] as LookupAddress).family);
}

function dnsError(code: string, hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`DNS lookup of ${hostname} failed (${code})`), { code, hostname });
}

export function lookupUntil(signal: AbortSignal): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: Callback) => {
    const dns = process.getBuiltinModule('node:dns');
    // Literals and localhost never reach a DNS server.
    if (hostname === 'localhost' || process.getBuiltinModule('node:net').isIP(hostname) !== 0) {
      dns.lookup(hostname, options, callback as never);
      return;
    }
    const resolver = new dns.promises.Resolver();
    let settled = false;
    const settle = (run: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      run();
    };
    const onAbort = (): void => {
      resolver.cancel();
      settle(() => callback(dnsError('EAI_AGAIN', hostname), ''));
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const asks = [
      family === 6 ? Promise.resolve([]) : resolver.resolve4(hostname).then((list) => list.map((address) => ({ address, family: 4 }))),
      family === 4 ? Promise.resolve([]) : resolver.resolve6(hostname).then((list) => list.map((address) => ({ address, family: 6 }))),
    ];
    void Promise.allSettled(asks).then((results) => {
      const addresses = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      if (addresses.length > 0) {
        settle(() => deliver(callback, options, addresses));
        return;
      }
      const codes = results.map((r) => (r.status === 'rejected' ? String((r.reason as NodeJS.ErrnoException).code) : 'ENODATA'));
      if (codes.every((code) => NO_SUCH_NAME.has(code))) settle(() => dns.lookup(hostname, options, callback as never));
      else settle(() => callback(dnsError('EAI_AGAIN', hostname), ''));
    });
  }) as LookupFunction;
}

/** For a connection pool shared by calls with their own deadlines: each lookup gets `ms`. */
export function lookupWithin(ms: number): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: Callback) =>
    lookupUntil(AbortSignal.timeout(ms))(hostname, options, callback as never)) as LookupFunction;
}
