/**
 * Reading a small file that someone else may have planted (a `.env` in a cloned repository, a
 * token file): opened without blocking and read only when `fstat` shows a regular file of at
 * most `maxBytes`, so a FIFO cannot freeze the start and a device cannot fill memory.
 * Symlinks are followed: mounted container secrets are symlinks.
 */
export interface FileProblem extends Error {
  /** `ENOTREG` (a FIFO, a device), `EISDIR` (a folder), `EFBIG` (past `maxBytes`), or the system's code. */
  code: string;
}

function problem(code: string, message: string): FileProblem {
  return Object.assign(new Error(message), { code });
}

/** Far past any `.env` file: a bound on what a planted one can make us read. */
export const MAX_ENV_FILE_BYTES = 4 * 1024 * 1024;

export function readRegularFile(path: string, maxBytes: number): string {
  const fs = process.getBuiltinModule('node:fs');
  const fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stat = fs.fstatSync(fd);
    // A folder is the system's EISDIR, as a plain read says; a FIFO or a device is ENOTREG.
    if (stat.isDirectory()) throw problem('EISDIR', 'a folder');
    if (!stat.isFile()) throw problem('ENOTREG', 'not a regular file');
    if (stat.size > maxBytes) throw problem('EFBIG', `larger than ${maxBytes} bytes`);
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** What went wrong, for a message: `not a regular file`, the size, or the system's code. */
export function fileProblemText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOTREG' || code === 'EFBIG' ? (error as Error).message : (code ?? 'error');
}
