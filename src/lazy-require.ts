/**
 * A synchronous `require` for both builds, used to load dependencies only on the paths
 * that need them (dotenv only when a `.env` file exists) while keeping the sync API sync.
 */
let cached: NodeJS.Require | undefined;

export function lazyRequire<T>(id: string): T {
  cached ??= process.getBuiltinModule('node:module').createRequire(import.meta.url);
  return cached(id) as T;
}
