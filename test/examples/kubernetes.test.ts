/**
 * examples/kubernetes: renders, from the manifests themselves, the request External Secrets
 * Operator's webhook provider makes for each ExternalSecret entry (URL template with the
 * query-escaped remoteRef.key, headers templated from the labelled token Secret, default
 * method GET, the result's JSON path), sends it to the emulator, and checks the value.
 * Only the template forms these manifests use are understood; anything else fails the test.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { REPO_ROOT } from '../support/package-link.js';
import { idProblem } from '../../src/ids.js';

const PAT = 'pat-K8S-5f2a9c31';
const VALUES = { 'openai-key': 'sk-K8S-openai-VALUE-7d1e', 'database-url': 'postgres://K8S:p%40ss@db/app?ssl=1' };
const DIR = join(REPO_ROOT, 'examples', 'kubernetes');
const CLARIFAI = 'https://api.clarifai.com';

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  // The shapes differ by kind; each test reads the fields it needs.
  spec?: any;
  stringData?: Record<string, string>;
  data?: Record<string, string>;
}

const manifests: Manifest[] = readdirSync(DIR)
  .filter((file) => file.endsWith('.yaml'))
  .flatMap((file) => parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((doc) => doc.toJS() as Manifest))
  .filter(Boolean);
const only = (kind: string): Manifest => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Manifest;
};

/** Go's url.QueryEscape, which ESO applies to remoteRef values in the URL. */
function queryEscape(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll('%20', '+');
}

/** `{{ .object.key }}` and nothing else: what these manifests need from Go's text/template. */
function render(template: string, data: Record<string, Record<string, string>>): string {
  const out = template.replace(/\{\{\s*\.(\w+)\.(\w+)\s*\}\}/g, (_whole, object: string, key: string) => {
    const value = data[object]?.[key];
    if (value === undefined) throw new Error(`template refers to .${object}.${key}, which the store does not provide`);
    return value;
  });
  if (out.includes('{{')) throw new Error(`a template form this test does not understand: ${template}`);
  return out;
}

/** `$.a.b`: the JSON path forms these manifests use. */
function jsonPath(path: string, value: unknown): unknown {
  if (!/^\$(\.\w+)+$/.test(path)) throw new Error(`a JSON path this test does not understand: ${path}`);
  return path.split('.').slice(1).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], value);
}

let emulator: Emulator;
beforeAll(async () => {
  emulator = await startEmulator({ pats: { [PAT]: 'kate' }, users: { kate: Object.entries(VALUES).map(([id, value]) => ({ id, value })) } });
});
afterAll(() => emulator.close());

/** What ESO would fetch for one remoteRef.key, with the token Secret holding `pat`. */
async function fetchAsEso(key: string, pat: string): Promise<{ status: number; value?: unknown }> {
  const webhook = only('SecretStore').spec.provider.webhook as {
    url: string;
    method?: string;
    headers?: Record<string, string>;
    result: { jsonPath: string };
    secrets: Array<{ name: string; secretRef: { name: string } }>;
  };
  const secrets: Record<string, Record<string, string>> = {};
  for (const { name, secretRef } of webhook.secrets) {
    const secret = manifests.find((m) => m.kind === 'Secret' && m.metadata.name === secretRef.name);
    expect(secret, `the Secret ${secretRef.name}`).toBeDefined();
    // ESO reads webhook credentials only from Secrets labelled for it.
    expect(secret?.metadata.labels?.['external-secrets.io/type']).toBe('webhook');
    const data = { ...secret?.stringData };
    for (const [k, v] of Object.entries(secret?.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
    // The manifest holds a placeholder where the user's token goes.
    secrets[name] = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v.startsWith('REPLACE_WITH_') ? pat : v]));
  }
  const url = render(webhook.url, { ...secrets, remoteRef: { key: queryEscape(key), version: '', property: '' } });
  const headers = Object.fromEntries(
    Object.entries(webhook.headers ?? {}).map(([name, value]) => [name, render(value, { ...secrets, remoteRef: { key, version: '', property: '' } })]),
  );
  expect(url.startsWith(`${CLARIFAI}/v2/`)).toBe(true);
  const response = await fetch(emulator.url + url.slice(CLARIFAI.length), { method: webhook.method ?? 'GET', headers });
  const body = (await response.json()) as unknown;
  return response.ok ? { status: response.status, value: jsonPath(webhook.result.jsonPath, body) } : { status: response.status };
}

describe('examples/kubernetes', () => {
  it('every ExternalSecret entry renders a request that returns that secret as a string', async () => {
    const store = only('SecretStore');
    const external = only('ExternalSecret');
    expect(external.spec.secretStoreRef).toEqual({ name: store.metadata.name, kind: 'SecretStore' });
    const data = external.spec.data as Array<{ secretKey: string; remoteRef: { key: string } }>;
    expect(data.map((d) => d.remoteRef.key).sort()).toEqual(Object.keys(VALUES).sort());
    // The manifest's rule for its keys: ids the API can mean, which ESO's escaping alone does not make them.
    expect(data.filter((d) => idProblem(d.remoteRef.key) !== undefined)).toEqual([]);
    expect(readFileSync(join(DIR, 'external-secret.yaml'), 'utf8')).toMatch(/"\.\.", for one, would turn/);

    emulator.clearRequests();
    for (const { remoteRef } of data) {
      expect(await fetchAsEso(remoteRef.key, PAT)).toEqual({ status: 200, value: VALUES[remoteRef.key as keyof typeof VALUES] });
    }
    expect(emulator.requests.map((r) => [r.method, r.path, r.auth, r.headers['authorization']])).toEqual(
      data.map(({ remoteRef }) => ['GET', `/v2/users/me/secrets/${remoteRef.key}`, 'ok', 'Key <redacted>']),
    );
    expect(emulator.requests.every((r) => /^external-secrets-[0-9a-f]{32}$/.test(r.reqId ?? ''))).toBe(true);
  });

  it('a missing secret is a 404 (ESO applies its deletionPolicy), a wrong token a 401', async () => {
    expect(await fetchAsEso('no-such-secret', PAT)).toEqual({ status: 404 });
    expect(await fetchAsEso('openai-key', 'pat-K8S-wrong')).toEqual({ status: 401 });
  });

  it('the pods read the synced Secret as env vars', () => {
    const deployment = only('Deployment');
    const target = only('ExternalSecret').spec.target.name as string;
    const containers = deployment.spec.template.spec.containers as Array<{ envFrom?: Array<{ secretRef?: { name: string } }> }>;
    expect(containers.flatMap((c) => c.envFrom ?? []).map((e) => e.secretRef?.name)).toContain(target);
  });
});
