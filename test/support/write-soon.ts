/** Waiting for DiskCache.writeSoon in tests. */
import { WRITE_SOON_MS } from '../../src/load/disk-cache.js';

/** Resolves past writeSoon's timer: a timer set later, for later, fires after it however late both run. */
export const afterWriteSoon = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, WRITE_SOON_MS + 10));
