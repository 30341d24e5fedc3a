/** Cancellable name lookups: c-ares first, getaddrinfo only after a definite "no such name". */
import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lookupUntil } from '../../src/api/transport/lookup.js';

type Answer = { error: NodeJS.ErrnoException | null; address: unknown; family?: number | undefined };

function ask(signal: AbortSignal, hostname: string, options: dns.LookupOptions = {}): Promise<Answer> {
  return new Promise((resolve) => {
    lookupUntil(signal)(hostname, options, (error, address, family) => resolve({ error, address, family }));
  });
}

/** A DNS server that answers as told (DNS itself cannot be run here). */
function fakeResolver(answer: (family: 4 | 6) => Promise<string[]>): void {
  class FakeResolver {
    resolve4 = () => answer(4);
    resolve6 = () => answer(6);
    cancel = () => undefined;
  }
  vi.spyOn(dns.promises, 'Resolver').mockImplementation(FakeResolver as unknown as typeof dns.promises.Resolver);
}

afterEach(() => vi.restoreAllMocks());

describe('lookupUntil', () => {
  it('answers from DNS, every address when asked for all', async () => {
    fakeResolver(async (family) => (family === 4 ? ['192.0.2.1'] : ['2001:db8::1']));
    expect(await ask(AbortSignal.timeout(1000), 'api.example', { all: true })).toEqual({
      error: null,
      address: [{ address: '192.0.2.1', family: 4 }, { address: '2001:db8::1', family: 6 }],
      family: undefined,
    });
    expect(await ask(AbortSignal.timeout(1000), 'api.example', { family: 6 })).toMatchObject({ address: '2001:db8::1', family: 6 });
  });

  it('gives up at the deadline when DNS never answers, without asking getaddrinfo', async () => {
    fakeResolver(() => new Promise(() => undefined));
    const lookup = vi.spyOn(dns, 'lookup');
    const started = Date.now();
    const answer = await ask(AbortSignal.timeout(200), 'api.example');
    expect(answer.error?.code).toBe('EAI_AGAIN');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(lookup).not.toHaveBeenCalled();
  });

  it('asks getaddrinfo (hosts file, nsswitch) when DNS says there is no such name', async () => {
    const missing = Object.assign(new Error('nope'), { code: 'ENOTFOUND' });
    fakeResolver(() => Promise.reject(missing));
    const lookup = vi.spyOn(dns, 'lookup').mockImplementation(((_h: string, _o: unknown, cb: (e: null, a: string, f: number) => void) =>
      cb(null, '10.0.0.7', 4)) as never);
    expect(await ask(AbortSignal.timeout(1000), 'only-in-hosts')).toMatchObject({ error: null, address: '10.0.0.7', family: 4 });
    expect(lookup).toHaveBeenCalledOnce();
  });

  it('does not treat a DNS failure as "no such name"', async () => {
    fakeResolver(() => Promise.reject(Object.assign(new Error('down'), { code: 'ECONNREFUSED' })));
    const lookup = vi.spyOn(dns, 'lookup');
    expect((await ask(AbortSignal.timeout(1000), 'api.example')).error?.code).toBe('EAI_AGAIN');
    expect(lookup).not.toHaveBeenCalled();
  });

  it('leaves IP literals and localhost to the system', async () => {
    expect(await ask(AbortSignal.timeout(1000), '127.0.0.1')).toMatchObject({ error: null, address: '127.0.0.1', family: 4 });
    expect((await ask(AbortSignal.timeout(1000), 'localhost')).error).toBeNull();
  });
});
