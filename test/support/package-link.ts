/**
 * A scratch project whose node_modules/clarifai-secrets points at this repository, so that
 * spawned processes import the built package by name, exactly as users do
 * (`node --import clarifai-secrets/register`, `npx clarifai-secrets`).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'cli.cjs');

export interface Project {
  dir: string;
  /** Writes a file under the project and returns its path. */
  write(name: string, text: string): string;
  remove(): void;
}

export function makeProject(prefix = 'cs-project-'): Project {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO_ROOT, join(dir, 'node_modules', 'clarifai-secrets'), 'dir');
  mkdirSync(join(dir, 'node_modules', '.bin'));
  symlinkSync(CLI, join(dir, 'node_modules', '.bin', 'clarifai-secrets'));
  return {
    dir,
    write(name, text) {
      const file = join(dir, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
