/**
 * "Did you mean": the known words nearest to a typed one, for commands, flags, setting names
 * and secret ids. A typed word that is the start of a known one wins (`pul` is `pull`, not
 * `run`); otherwise the fewest edits, counting a swap of two neighbours as one (`lsit`).
 * Short words allow fewer edits, so `rm` is not taken for `run`.
 */
import { escapeControls } from './printable.js';

/** Edits between two words: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1] as number[];
      let best = Math.min((above[j] as number) + 1, (row[j - 1] as number) + 1, (above[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
    rows.push(row);
  }
  return (rows[a.length] as number[])[b.length] as number;
}

export interface NearestOptions {
  /** How many to return at most. @default 3 */
  limit?: number;
  /** Words compared ignoring case and the characters `-` and `_` (ids, settings). @default false */
  loose?: boolean;
}

/** The known words nearest to `typed`, best first; empty when none is close. */
export function nearest(typed: string, known: Iterable<string>, options: NearestOptions = {}): string[] {
  const limit = options.limit ?? 3;
  const norm = options.loose ? (word: string) => word.toLowerCase().replace(/[-_]/g, '') : (word: string) => word;
  const t = norm(typed);
  if (t === '') return [];
  const allowed = t.length <= 3 ? 1 : t.length <= 6 ? 2 : 3;
  const scored: Array<[string, number]> = [];
  for (const word of new Set(known)) {
    if (word === typed) continue;
    const w = norm(word);
    // A start of two letters or more counts as closest of all.
    const score = t.length >= 2 && w.startsWith(t) ? 0 : w === t ? 0 : editDistance(t, w);
    if (score <= allowed) scored.push([word, score]);
  }
  scored.sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return scored.slice(0, limit).map(([word]) => word);
}

/** `A`, `A or B`, `A, B or C`. */
export function oneOf(words: readonly string[]): string {
  // Ids come from the server: no control or bidi character reaches the terminal.
  const shown = words.map(escapeControls);
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}
