import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { startEmulator, type Emulator } from '../../src/emulator/index.js';
import { call } from './helpers.js';

let emulator: Emulator;
const TOTAL = 2500;
const ids = Array.from({ length: TOTAL }, (_, i) => `S${String(i).padStart(5, '0')}`);

beforeAll(async () => {
  emulator = await startEmulator({ users: { u: ids.map((id) => ({ id, value: `value-of-${id}` })) } });
});
afterAll(async () => {
  await emulator.close();
});
beforeEach(() => {
  emulator.reset();
});

async function page(query: string): Promise<string[]> {
  const answer = await call(emulator, 'GET', `/v2/users/me/secrets${query}`);
  expect(answer.status).toBe(200);
  expect(answer.json.status.code).toBe(10000);
  return answer.json.secrets.map((s: { id: string }) => s.id);
}

/** What Clarifai's SDK does: ask for pages until one comes back empty. */
async function walk(perPage: number): Promise<{ ids: string[]; requests: number }> {
  const seen: string[] = [];
  let requests = 0;
  for (let p = 1; ; p++) {
    requests++;
    const got = await page(`?page=${p}&per_page=${perPage}`);
    if (got.length === 0) break;
    seen.push(...got);
  }
  return { ids: seen, requests };
}

describe('list pagination', () => {
  test('defaults: page 1, 128 per page, oldest first', async () => {
    expect(await page('')).toEqual(ids.slice(0, 128));
    expect(await page('?page=2')).toEqual(ids.slice(128, 256));
  });

  test('page and per_page pick the slice', async () => {
    expect(await page('?page=3&per_page=7')).toEqual(ids.slice(14, 21));
    expect(await page('?per_page=1')).toEqual(['S00000']);
  });

  test('per_page above 1000 is clamped to 1000', async () => {
    expect(await page('?per_page=5000')).toHaveLength(1000);
    expect(await page('?page=2&per_page=5000')).toEqual(ids.slice(1000, 2000));
  });

  test('zero means the default, as in proto3', async () => {
    expect(await page('?page=0&per_page=0')).toEqual(ids.slice(0, 128));
  });

  test('a page past the end is a success with "secrets": []', async () => {
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets?page=99&per_page=1000');
    expect(answer.status).toBe(200);
    expect(answer.json.secrets).toEqual([]);
    expect(Object.keys(answer.json)).toEqual(['status', 'secrets']);
  });

  test('a user with no secrets gets "secrets": []', async () => {
    const empty = await startEmulator();
    try {
      const answer = await call(empty, 'GET', '/v2/users/me/secrets');
      expect(answer.json).toMatchObject({ status: { code: 10000 }, secrets: [] });
    } finally {
      await empty.close();
    }
  });

  test.each(['?page=-1', '?per_page=abc', '?page=1.5', '?per_page=99999999999'])('a bad number %s -> 400 11100', async (query) => {
    const answer = await call(emulator, 'GET', `/v2/users/me/secrets${query}`);
    expect(answer.status).toBe(400);
    expect(answer.json.status.code).toBe(11100);
    expect(answer.json.secrets).toEqual([]);
  });

  test('walking 2,500 secrets at 1000 a page takes 4 requests and sees each once', async () => {
    const { ids: seen, requests } = await walk(1000);
    expect(seen).toEqual(ids);
    expect(requests).toBe(4);
  });

  test('values come back with the list', async () => {
    const answer = await call(emulator, 'GET', '/v2/users/me/secrets?per_page=2');
    expect(answer.json.secrets.map((s: { value: string }) => s.value)).toEqual(['value-of-S00000', 'value-of-S00001']);
  });
});

describe('per-page cap', () => {
  test('the server returns at most n whatever per_page asks, and pages are cut at n', async () => {
    emulator.setPerPageCap(300);
    const first = await page('?page=1&per_page=1000');
    expect(first).toEqual(ids.slice(0, 300));
    expect(await page('?page=2&per_page=1000')).toEqual(ids.slice(300, 600));
    expect(await page('?page=1&per_page=10')).toEqual(ids.slice(0, 10));
  });

  test('walking until an empty page still sees every secret exactly once', async () => {
    emulator.setPerPageCap(97);
    const { ids: seen, requests } = await walk(1000);
    expect(seen).toEqual(ids);
    expect(new Set(seen).size).toBe(TOTAL);
    expect(requests).toBe(Math.ceil(TOTAL / 97) + 1);
  });

  test('a client that stops at the first short page loses secrets (what the cap is for)', async () => {
    emulator.setPerPageCap(500);
    const first = await page('?page=1&per_page=1000');
    expect(first.length).toBeLessThan(1000);
    expect(first.length).toBeLessThan(TOTAL);
  });

  test('undefined, Infinity or reset() remove the cap; bad values are refused', async () => {
    emulator.setPerPageCap(5);
    expect(await page('?per_page=50')).toHaveLength(5);
    emulator.setPerPageCap(undefined);
    expect(await page('?per_page=50')).toHaveLength(50);
    emulator.setPerPageCap(5);
    emulator.setPerPageCap(Infinity);
    expect(await page('?per_page=50')).toHaveLength(50);
    emulator.setPerPageCap(5);
    emulator.reset();
    expect(await page('?per_page=50')).toHaveLength(50);
    expect(() => emulator.setPerPageCap(0)).toThrow(TypeError);
    expect(() => emulator.setPerPageCap(2.5)).toThrow(TypeError);
  });
});
