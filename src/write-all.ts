/**
 * Writes all of `data` to the file `fd`. One `writeSync` may write less than it was given (a
 * disk that fills up on the way) and say so only in the count it returns: the next call then
 * fails with the reason (ENOSPC), instead of a file cut short being kept as if it were whole.
 */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const { writeSync } = process.getBuiltinModule('node:fs');
  for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
}
