/**
 * Writing a file that holds secret values: it is never readable by others, not even for a
 * moment. The text goes to a new file created 0600 (exclusive, in the same folder) and is
 * renamed over the target, so a reader sees the old file or the whole new one, and a target
 * that was open to others, or a symlink, is replaced rather than written through.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

export function writePrivateFile(path: string, text: string): void {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw new ConfigError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): choose a file in a folder you can write to`);
  }
}
