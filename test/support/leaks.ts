/** Leak checks: planted values and tokens must not appear where they must not. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** Fails naming which planted string (by label, never the string) showed up in `where`. */
export function expectNoLeak(text: string, planted: Record<string, string>, where: string): void {
  const found = Object.entries(planted)
    .filter(([, secret]) => secret && text.includes(secret))
    .map(([label]) => label);
  // The message names labels only: a failing test must not print the secret either.
  expect(found, `${where} contains planted ${found.join(', ')}`).toEqual([]);
}

/** Every file below `dir`, read as bytes and as text, checked for the planted strings. */
export function expectNoLeakInFolder(dir: string, planted: Record<string, string>): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) expectNoLeakInFolder(path, planted);
    else expectNoLeak(readFileSync(path).toString('latin1'), planted, `file ${path}`);
  }
}
