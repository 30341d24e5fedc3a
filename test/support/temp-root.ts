/**
 * Vitest globalSetup: every temporary folder a test run makes (its own, and those of the node
 * processes it spawns) goes under one folder of its own, removed when the run ends. Tests call
 * `mkdtempSync(join(tmpdir(), ...))` as usual: os.tmpdir() reads TMPDIR, which the test
 * workers and their children inherit from this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env['TMPDIR'];
  const root = mkdtempSync(join(tmpdir(), 'cs-test-run-'));
  process.env['TMPDIR'] = root;
  return () => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
