/** Waiting for DiskCache.writeSoon in tests. */
import { WRITE_SOON_MS } from '../../src/load/disk-cache.js';

/**
 * Resolves past writeSoon's timer. writeSoon sets that timer from a setImmediate queued during
 * the load, so this one is set from a setImmediate queued after it: a timer set later, for
 * later, fires after it however late both run. (Set at once, it raced the immediate: a CI run
 * on a busy machine saw the exit listener still there.)
 */
export const afterWriteSoon = (): Promise<void> => new Promise((resolve) => setImmediate(() => setTimeout(resolve, WRITE_SOON_MS + 10)));

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
