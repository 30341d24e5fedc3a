/**
 * A merge that leaves Git's conflict markers in a tracked file still builds and passes when
 * the file is prose (bench/findings.md once shipped both sides of a merge into the benchmark
 * report). Every tracked text file is read for a line that Git writes around a conflict.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';

const TEXT = /\.(?:[cm]?[jt]s|json|md|ya?ml|html|css|sh)$|(?:^|\/)run$/;
const MARKER = /^(?:<{7}|>{7})(?: |$)|^={7}$/m;

describe('the tracked tree', () => {
  it('holds no merge conflict marker', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0').filter((f) => TEXT.test(f));
    expect(files.length).toBeGreaterThan(50);
    const marked = files.filter((f) => {
      try {
        return MARKER.test(readFileSync(join(REPO_ROOT, f), 'utf8'));
      } catch {
        return false; // listed but deleted in the work tree
      }
    });
    expect(marked).toEqual([]);
  });
});
