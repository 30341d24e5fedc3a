/** A file of secret values written by a command (`pull --output`): see files/private-file.ts. */
import { ConfigError } from '../errors.js';
import { replacePrivately } from '../files/private-file.js';

export function writePrivateFile(path: string, text: string): void {
  try {
    replacePrivately(path, text);
  } catch (error) {
    throw new ConfigError(`cannot write ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}): choose a file in a folder you can write to`);
  }
}
