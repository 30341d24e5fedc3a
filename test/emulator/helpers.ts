/** Small HTTP helpers for the emulator tests: real loopback requests, nothing mocked. */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { Emulator } from '../../src/emulator/index.js';

export const PAT = 'emulator-pat';

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed body; undefined when the body is not JSON. */
  json: any;
}

export interface CallOptions {
  /** A JSON value (stringified) or a raw string body. */
  body?: unknown;
  rawBody?: string | Uint8Array;
  /** `null` sends no Authorization header. Default `Key emulator-pat`. */
  auth?: string | null;
  headers?: Record<string, string>;
}

export async function call(emulator: Emulator, method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  const auth = options.auth === undefined ? `Key ${PAT}` : options.auth;
  if (auth !== null) headers.authorization = auth;
  let body: string | Uint8Array | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(emulator.url + path, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** What a raw socket received: every byte until the server closed (or `ms` passed). */
export function rawExchange(emulator: Emulator, requestText: string | Buffer, ms = 5000): Promise<{ data: Buffer; closedBy: 'server' | 'timeout' | 'error' }> {
  return new Promise((resolve) => {
    const socket = connect(emulator.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (closedBy: 'server' | 'timeout' | 'error'): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closedBy });
    };
    const timer = setTimeout(() => finish('timeout'), ms);
    socket.on('data', (c) => chunks.push(c));
    socket.on('end', () => finish('server'));
    socket.on('close', () => finish('server'));
    socket.on('error', () => finish('error'));
    socket.write(requestText);
  });
}

/** A GET over node:http that reports how the response ended, for faults that break it. */
export function httpGet(
  emulator: Emulator,
  path: string,
  timeoutMs = 5000,
): Promise<{ outcome: 'complete' | 'aborted' | 'error' | 'timeout'; status?: number; headers?: Record<string, unknown>; received: Buffer; chunkTimes: number[] }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const chunkTimes: number[] = [];
    let settled = false;
    let status: number | undefined;
    let headers: Record<string, unknown> | undefined;
    const settle = (outcome: 'complete' | 'aborted' | 'error' | 'timeout'): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ outcome, ...(status !== undefined ? { status } : {}), ...(headers ? { headers } : {}), received: Buffer.concat(chunks), chunkTimes });
    };
    const req = httpRequest(emulator.url + path, { headers: { authorization: `Key ${PAT}` }, agent: false }, (res) => {
      status = res.statusCode;
      headers = res.headers;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        chunkTimes.push(Date.now());
      });
      res.on('end', () => settle('complete'));
      res.on('aborted', () => settle('aborted'));
      res.on('error', () => settle('aborted'));
    });
    req.on('error', () => settle('error'));
    const timer = setTimeout(() => settle('timeout'), timeoutMs);
    req.end();
  });
}

export const HEX32 = /^[0-9a-f]{32}$/;
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
