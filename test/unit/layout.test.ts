/**
 * The folders of src/ are the stages of one load, and imports flow one way: a stage may
 * import from itself and the stages below it, never from one above. This keeps "what
 * happens on one load" readable from the tree, and keeps the startup path from dragging in
 * the CLI or the emulator.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';

const SRC = join(REPO_ROOT, 'src');

/** Lower rank = lower stage. The root's shared files (errors, warn, ...) are below all. */
const RANK: Record<string, number> = { '': 0, settings: 1, api: 2, files: 3, load: 4, startup: 5, watch: 6, cli: 7 };
/** A function is read whole: past a screenful, its steps deserve names. */
const MAX_FUNCTION_LINES = 60;
/** The emulator is a server of its own: it shares the protocol's constants with the client and nothing else. */
const EMULATOR_MAY_IMPORT = new Set(['', 'api/status-codes.ts']);

function stageOf(file: string): string {
  const rel = relative(SRC, file);
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((m) => resolve(dirname(file), `${m[1]}.ts`));
}

describe('src/ layout', () => {
  const files = sourceFiles(SRC);

  it('holds only the barrel and a few shared files at its root', () => {
    const root = files.filter((f) => stageOf(f) === '').map((f) => relative(SRC, f)).sort();
    expect(root).toEqual(['errors.ts', 'ids.ts', 'index.ts', 'lazy-require.ts', 'node-features.ts', 'version.ts', 'warn.ts', 'write-all.ts']);
  });

  it('has no import that points to a higher stage', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = stageOf(file);
      if (relative(SRC, file) === 'index.ts') continue; // the barrel names the public API of every stage
      for (const target of importsOf(file)) {
        const to = stageOf(target);
        const ok =
          from === 'emulator'
            ? to === 'emulator' || EMULATOR_MAY_IMPORT.has(to === '' ? '' : relative(SRC, target))
            : to === 'emulator'
              ? from === 'cli'
              : (RANK[to] ?? Number.POSITIVE_INFINITY) <= (RANK[from] ?? -1);
        if (!ok) upward.push(`${relative(SRC, file)} -> ${relative(SRC, target)}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps the API client, the transports and the watcher out of the cache-hit start (dist/warm.*)', () => {
    const reached = new Set<string>();
    const walk = (file: string): void => {
      if (reached.has(file)) return;
      reached.add(file);
      for (const target of importsOf(file)) walk(target);
    };
    walk(join(SRC, 'startup', 'warm.ts'));
    const heavy = [...reached].map((f) => relative(SRC, f)).filter((f) => /^(api|watch|cli|emulator)\/|^load\/(loader|loader-sync|fetch-fresh|memory-cache)\.ts$/.test(f));
    expect(heavy).toEqual([]);
    expect(reached.has(join(SRC, 'load', 'disk-cache.ts'))).toBe(true);
  });

  it('has no function longer than 60 lines: a longer one is split where its steps are', () => {
    const long: string[] = [];
    for (const file of files) {
      const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (ts.isFunctionLike(node) && 'body' in node && node.body) {
          const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
          const last = source.getLineAndCharacterOfPosition(node.end).line;
          if (last - first + 1 > MAX_FUNCTION_LINES) long.push(`${relative(SRC, file)}:${first + 1} (${last - first + 1} lines)`);
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    expect(long).toEqual([]);
  });
});
