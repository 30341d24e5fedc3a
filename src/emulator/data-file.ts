/**
 * The `data` option: the whole store as one JSON file, read at start and rewritten after
 * every change with a temporary file and a rename, so a crash leaves the old or the new
 * file, never half of one. Mode 0600: it holds secret values in plain text.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { idProblem } from '../ids.js';
import { writeAll } from '../write-all.js';
import type { StoredSecret, StoreState } from './store.js';
import { formatTimestamp, parseTimestamp, type Timestamp } from './timestamp.js';

const FORMAT = 'clarifai-secrets-emulator';
const FORMAT_VERSION = 1;

interface FileSecret {
  id: string;
  value: string;
  description?: string;
  version: number;
  created_at: string;
  modified_at: string;
  expires_at: string;
}

/** The stored state, or undefined when the file does not exist. Throws when it is unreadable. */
export function loadDataFile(path: string): StoreState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`emulator: cannot read data file ${path}: ${(error as Error).message}`);
  }
  const fail = (why: string): never => {
    throw new Error(`emulator: data file ${path} is not valid (${why}); move it away to start empty`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('not JSON');
  }
  if (!isObject(json) || json.format !== FORMAT || json.version !== FORMAT_VERSION || !isObject(json.users)) {
    return fail(`expected {"format":"${FORMAT}","version":${FORMAT_VERSION},"users":{...}}`);
  }
  const state: StoreState = new Map();
  for (const [userId, list] of Object.entries(json.users)) {
    if (!Array.isArray(list)) return fail(`users.${userId} is not a list`);
    const secrets = new Map<string, StoredSecret>();
    for (const item of list as unknown[]) {
      const secret = readSecret(userId, item);
      if (typeof secret === 'string') return fail(`users.${userId}: ${secret}`);
      secrets.set(secret.id, secret);
    }
    state.set(userId, secrets);
  }
  return state;
}

export function saveDataFile(path: string, state: StoreState): void {
  const users: Record<string, FileSecret[]> = {};
  for (const [userId, secrets] of state) {
    users[userId] = [...secrets.values()].map((s) => {
      const out: FileSecret = {
        id: s.id,
        value: s.value,
        version: s.version,
        created_at: formatTimestamp(s.createdAt),
        modified_at: formatTimestamp(s.modifiedAt),
        expires_at: formatTimestamp(s.expiresAt),
      };
      if (s.description !== '') out.description = s.description;
      return out;
    });
  }
  const text = JSON.stringify({ format: FORMAT, version: FORMAT_VERSION, users }, null, 2) + '\n';
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    fchmodSync(fd, 0o600); // the umask could have taken bits away; be exact
    writeAll(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
}

function readSecret(userId: string, item: unknown): StoredSecret | string {
  if (!isObject(item)) return 'a secret is not an object';
  const { id, value, description = '', version } = item;
  if (typeof id !== 'string' || idProblem(id)) return `invalid secret id ${JSON.stringify(id)}`;
  if (typeof value !== 'string' || typeof description !== 'string') return `secret "${id}": value and description must be strings`;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) return `secret "${id}": bad version`;
  const times: Timestamp[] = [];
  for (const key of ['created_at', 'modified_at', 'expires_at'] as const) {
    const raw = item[key];
    const ts = typeof raw === 'string' ? parseTimestamp(raw) : undefined;
    if (!ts) return `secret "${id}": bad ${key}`;
    times.push(ts);
  }
  const [createdAt, modifiedAt, expiresAt] = times as [Timestamp, Timestamp, Timestamp];
  return { id, userId, value, description, version, createdAt, modifiedAt, expiresAt };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
