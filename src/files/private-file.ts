/**
 * Replacing a file that holds secret values so that it is never readable by others, not even
 * for a moment: the text goes to a new file created 0600 (exclusive, in the same folder) and
 * is renamed over the target, so a reader sees the old file or the whole new one, and a target
 * that was open to others, or a symlink, is replaced rather than written through.
 */
import { writeAll } from '../write-all.js';

const { closeSync, fsyncSync, openSync, renameSync, rmSync } = process.getBuiltinModule('node:fs');
const { basename, dirname, join, resolve } = process.getBuiltinModule('node:path');

/**
 * Throws the system's error (ENOSPC, EACCES, ...) and leaves no temporary file behind.
 * `durable`: fsync before the rename, for a file that must survive a crash (a secret file in
 * a runtime folder need not, and skips the disk flush).
 */
export function replacePrivately(path: string, text: string, { durable = true }: { durable?: boolean } = {}): void {
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${process.getBuiltinModule('node:crypto').randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', 0o600);
    writeAll(fd, text);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, target);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
}
