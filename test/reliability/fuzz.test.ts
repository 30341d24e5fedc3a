/**
 * Property tests over the parsers that meet hostile input: the selection grammar, the
 * configuration resolver, and the response validator (the whole client response path, fed
 * by a transport that answers anything). None may throw anything but a SecretsError. The
 * number of inputs tried goes to fuzz.json (test/support/reports.ts) for the figures in docs/reliability.md.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { clientFor } from '../../src/api/client.js';
import { resolveConfig } from '../../src/settings/config.js';
import { isSecretsError } from '../../src/errors.js';
import { parseSelection, resolveSelection } from '../../src/settings/selection.js';
import type { HttpResponse, Transport } from '../../src/api/transport/types.js';
import { writeReport } from '../support/reports.js';

// Under `npm run mutate` every mutant reruns these: fewer inputs there, the full count in npm test.
const RUNS = process.env['CLARIFAI_SECRETS_MUTATING'] ? 200 : 2000;
const tried: Record<string, number> = {};

afterAll(() => {
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  writeReport('fuzz.json', { total, byTarget: tried });
});

/** Runs `fn`; anything thrown must be a SecretsError. Counts the input. */
function onlySecretsErrors(target: string, fn: () => unknown): boolean {
  tried[target] = (tried[target] ?? 0) + 1;
  try {
    fn();
    return true;
  } catch (error) {
    return isSecretsError(error);
  }
}

async function onlySecretsErrorsAsync(target: string, fn: () => Promise<unknown>): Promise<boolean> {
  tried[target] = (tried[target] ?? 0) + 1;
  try {
    await fn();
    return true;
  } catch (error) {
    return isSecretsError(error);
  }
}

// Entries built from the grammar's own characters, so the odd places get hit often.
const entryChar = fc.constantFrom('A', 'b', '_', '-', '.', '1', '=', '?', '*', '/', ' ', ',', '\n', '\t', 'é', '🔑', '\0', 'users/me/secrets/');
const selectionText = fc.oneof(fc.string({ maxLength: 200 }), fc.array(entryChar, { maxLength: 60 }).map((parts) => parts.join('')));

describe('selection parser', () => {
  it('returns a selection or throws ERR_CONFIG, for any text', () => {
    fc.assert(
      fc.property(selectionText, (text) =>
        onlySecretsErrors('selection', () => {
          try {
            const selection = parseSelection(text, 'me');
            expect(selection.all || selection.prefixes.length > 0 || selection.renames.length > 0 || selection.named.length > 0).toBe(true);
          } catch (error) {
            if (isSecretsError(error)) expect(error.code).toBe('ERR_CONFIG');
            throw error;
          }
        }),
      ),
      { numRuns: RUNS },
    );
  });

  it('resolves any fetched secrets to valid env names, or a SecretsError', () => {
    const secrets = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 20 }), { maxKeys: 8 });
    fc.assert(
      fc.property(selectionText, secrets, (text, found) =>
        onlySecretsErrors('selection resolution', () => {
          const resolved = resolveSelection(parseSelection(text, 'me'), new Map(Object.entries(found)));
          for (const [name] of resolved.entries) expect(name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        }),
      ),
      { numRuns: RUNS },
    );
  });
});

/**
 * The other half of each rule: input that is valid must be accepted, and read right. Without
 * these, a parser that throws on everything would pass the properties above.
 */
describe('valid input is accepted', () => {
  const id = fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/);
  const separator = fc.constantFrom(',', ', ', ' ', '\n', '\t', ' , ');

  it('the selection parser reads every entry of a valid selection', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ id, optional: fc.boolean(), mapped: fc.boolean() }), { minLength: 1, maxLength: 12, selector: (e) => e.id }),
        separator,
        (entries, sep) => {
          tried['selection (valid)'] = (tried['selection (valid)'] ?? 0) + 1;
          // Mapped names are upper case, ids lower case: no two entries can claim one name.
          const text = entries.map((e, i) => `${e.mapped ? `M${i}_=` : ''}${e.id}${e.optional ? '?' : ''}`).join(sep);
          const selection = parseSelection(text, 'me');
          expect(selection.all).toBe(false);
          const byId = new Map(selection.named.map((n) => [n.id, n]));
          expect(byId.size).toBe(entries.length);
          entries.forEach((e, i) => {
            expect(byId.get(e.id)).toEqual({ id: e.id, name: e.mapped ? `M${i}_` : e.id, optional: e.optional, mapped: e.mapped });
          });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the configuration resolver reads every valid setting as given', () => {
    const bools = { true: true, false: false, '1': true, '0': false, yes: true, no: false, On: true, OFF: false } as const;
    fc.assert(
      fc.property(
        fc.record({
          timeout: fc.integer({ min: 1, max: 600_000 }),
          ttl: fc.integer({ min: 0, max: 31_536_000 }),
          override: fc.constantFrom(...(Object.keys(bools) as Array<keyof typeof bools>)),
          user: fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/),
          base: fc.constantFrom('https://api.clarifai.com', 'http://127.0.0.1:8787', 'https://clarifai.example.com/'),
        }),
        ({ timeout, ttl, override, user, base }) => {
          tried['configuration (valid)'] = (tried['configuration (valid)'] ?? 0) + 1;
          const config = resolveConfig(
            { envFile: false },
            {
              CLARIFAI_SECRETS_TIMEOUT: String(timeout),
              CLARIFAI_SECRETS_CACHE_TTL: String(ttl),
              CLARIFAI_SECRETS_OVERRIDE: override,
              CLARIFAI_USER_ID: user,
              CLARIFAI_API_BASE: base,
              XDG_CACHE_HOME: '/xdg',
            },
          );
          expect(config).toMatchObject({ timeout, cacheTtl: ttl, override: bools[override], userId: user, baseUrl: base.replace(/\/$/, '') });
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the response validator returns exactly the secrets of a valid answer', async () => {
    const config = resolveConfig({ envFile: false, pat: 'pat-fuzz', baseUrl: 'http://127.0.0.1:1', timeout: 2000 }, {});
    const secret = fc.record({ id, value: fc.string({ maxLength: 20 }), version: fc.nat({ max: 1000 }) });
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(secret, { maxLength: 6, selector: (s) => s.id }), async (secrets) => {
        tried['responses (valid)'] = (tried['responses (valid)'] ?? 0) + 1;
        const wire = secrets.map((s) => ({ ...s, user_id: 'u', created_at: '2025-10-03T09:18:10Z', modified_at: '2025-10-03T09:18:10Z' }));
        const ok = (body: unknown): HttpResponse =>
          ({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body)) }) as HttpResponse;
        const listed = await clientFor(config, answering(ok({ status: { code: 10000 }, secrets: wire }))).list();
        expect(listed.map((s) => [s.id, s.value, s.version])).toEqual(secrets.map((s) => [s.id, s.value, s.version]));
        for (const one of wire) {
          const got = await clientFor(config, answering(ok({ status: { code: 10000 }, secret: one }))).get(one.id);
          expect([got.id, got.value, got.version, got.userId]).toEqual([one.id, one.value, one.version, 'u']);
        }
      }),
      { numRuns: RUNS / 4 },
    );
  });
});

describe('configuration resolver', () => {
  const keys = ['CLARIFAI_PAT', 'CLARIFAI_USER_ID', 'CLARIFAI_API_BASE', 'CLARIFAI_SECRETS_OVERRIDE', 'CLARIFAI_SECRETS_CACHE_TTL', 'CLARIFAI_SECRETS_TIMEOUT', 'CLARIFAI_SECRETS_FALLBACK', 'CLARIFAI_SECRETS_CACHE_DIR', 'CLARIFAI_SECRETS_ALLOW_HTTP'];
  it('returns a configuration or throws ERR_CONFIG, for any environment', () => {
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('true', 'off', '0', '-1', '1e3', 'http://x', 'https://api.clarifai.com/', 'ftp://a', ' '));
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), value), (env) =>
        onlySecretsErrors('configuration', () => resolveConfig({ envFile: false }, env)),
      ),
      { numRuns: RUNS },
    );
  });
});

/** A transport that answers with whatever the property gives it. */
function answering(res: HttpResponse): Transport {
  return async () => res;
}

const json = fc.jsonValue({ maxDepth: 4 });
const secretLike = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 10 }), json),
    value: fc.oneof(fc.string({ maxLength: 10 }), json),
    version: fc.oneof(fc.integer(), fc.string({ maxLength: 5 }), json),
    created_at: fc.oneof(fc.constant('2025-10-03T09:18:10Z'), fc.string({ maxLength: 30 }), json),
    user_id: fc.oneof(fc.string({ maxLength: 8 }), json),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  json.map((v) => Buffer.from(JSON.stringify(v) ?? '')),
  fc.record({ status: fc.oneof(fc.record({ code: fc.oneof(fc.constant(10000), fc.integer(), fc.string({ maxLength: 12 })) }, { requiredKeys: [] }), json), secrets: fc.oneof(fc.array(secretLike, { maxLength: 4 }), json), secret: fc.oneof(secretLike, json) }, { requiredKeys: [] })
    .map((v) => Buffer.from(JSON.stringify(v))),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 300 }).map((s) => Buffer.from(s)),
);
const response = fc.record({
  status: fc.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503),
  headers: fc.record({ 'content-type': fc.constantFrom('application/json; charset=UTF-8', 'text/html', 'application/json', ''), 'retry-after': fc.constantFrom(undefined, '0', 'soon', 'Thu, 01 Jan 1970 00:00:00 GMT') }, { requiredKeys: ['content-type'] }),
  body,
});

describe('response validator', () => {
  const config = resolveConfig({ envFile: false, pat: 'pat-fuzz', baseUrl: 'http://127.0.0.1:1', timeout: 2000 }, {});
  it.each(['get', 'list', 'listValues', 'create', 'update', 'delete'] as const)('%s returns data or a SecretsError, for any answer', async (method) => {
    await fc.assert(
      fc.asyncProperty(response, async (res) =>
        onlySecretsErrorsAsync('responses', async () => {
          // Retries would wait between attempts; one attempt shows the validator's answer.
          const client = clientFor(config, answering({ ...res, headers: { ...res.headers, 'retry-after': '3600' } } as HttpResponse));
          if (method === 'get') {
            const secret = await client.get('A');
            expect(typeof secret.value).toBe('string');
          } else if (method === 'list') {
            for (const secret of await client.list()) expect(secret.createdAt).toBeInstanceOf(Date);
          } else if (method === 'listValues') {
            for await (const item of client.listValues()) expect([typeof item.id, typeof item.value]).toEqual(['string', 'string']);
          } else if (method === 'create') await client.create([{ id: 'A', value: 'v' }]);
          else if (method === 'update') await client.update([{ id: 'A', value: 'v' }]);
          else await client.delete(['A']);
        }),
      ),
      { numRuns: RUNS / 4 },
    );
  });
});
