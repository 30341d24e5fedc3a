/** Waiting for DiskCache.writeSoon in tests. */
import { WRITE_SOON_MS } from '../../src/load/disk-cache.js';

/** Resolves past writeSoon's timer: a timer set later, for later, fires after it however late both run. */
export const afterWriteSoon = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, WRITE_SOON_MS + 10));

/**
 * Makes this process look like one whose CommonJS main module has started (`process.mainModule`
 * set, as under `-r`), which a vitest worker is not; returns the undo.
 */
export function asIfMainStarted(): () => void {
  const had = Object.getOwnPropertyDescriptor(process, 'mainModule');
  Object.defineProperty(process, 'mainModule', { value: { id: '.' }, configurable: true, writable: true });
  return () => {
    if (had) Object.defineProperty(process, 'mainModule', had);
    else delete (process as { mainModule?: unknown }).mainModule;
  };
}
