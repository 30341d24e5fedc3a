/**
 * Settings that look misspelt. A typo in a setting's name is silent otherwise:
 * `CLARIFAI_SECRET=STRIPE` sets nothing we read, and every secret is loaded. A name is
 * suspect when it is an unknown `CLARIFAI_SECRETS_*`, or within two edits of a known setting.
 * Names only: a value is never read here.
 */
import { ENV_KEYS } from './config.js';
import { editDistance } from './nearest.js';

/** Names this package reads or writes besides the settings of `.env` files. */
const OTHER_KNOWN = [
  'CLARIFAI_SECRETS_ENV_FILE',
  // Read from the environment only, never from a `.env` file (config.ts).
  'CLARIFAI_PAT_FILE',
  // Written by a load for child processes, and by the synchronous loader for its worker.
  'CLARIFAI_SECRETS_LOADED',
  'CLARIFAI_SECRETS_SYNC_WORKER',
];
const KNOWN: readonly string[] = [...ENV_KEYS, ...OTHER_KNOWN];

export interface Misspelt {
  /** The name as it was found. */
  name: string;
  /** The known setting it is nearest to, when one is within two edits. */
  known: string | undefined;
}

export function misspeltSettings(names: Iterable<string>): Misspelt[] {
  const found: Misspelt[] = [];
  for (const name of new Set(names)) {
    const upper = name.toUpperCase();
    if (!upper.startsWith('CLARIFAI')) continue;
    if (KNOWN.includes(name)) continue;
    let best: string | undefined;
    let bestDistance = 3;
    for (const known of KNOWN) {
      const distance = editDistance(upper, known);
      if (distance < bestDistance) {
        best = known;
        bestDistance = distance;
      }
    }
    if (best !== undefined || upper.startsWith('CLARIFAI_SECRETS_')) found.push({ name, known: best });
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** One line for the list: `CLARIFAI_SECRET (did you mean CLARIFAI_SECRETS?), ...`. */
export function describeMisspelt(list: readonly Misspelt[], where = 'set'): string {
  const names = list.map(({ name, known }) => (known ? `${name} (did you mean ${known}?)` : name)).join(', ');
  return `${list.length === 1 ? 'a variable that looks like a misspelt setting is' : 'variables that look like misspelt settings are'} ${where} and ignored: ${names}`;
}
