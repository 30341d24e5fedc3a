// node --import clarifai-secrets/register app.js
// A process whose parent already loaded (CLARIFAI_SECRETS_LOADED covers it) is told so by
// the few-KB marker check, before anything else is compiled; when that check is not sure,
// the library below decides, as for every other start. The check is required as CommonJS
// (dist/marker.cjs): read and run at once, where an import() would be one more module for the
// ESM loader to fetch, link and wait a turn for.
// With CLARIFAI_SECRETS_CACHE_TTL above 0 in the environment, a fresh cached copy is served
// by the small cache-hit bundle (dist/warm.js), which leaves the full library unloaded.
// Everything else goes to the full preload, which goes on from what the cache-hit start
// handed it: the same file the package name resolves to, so an app that imports
// 'clarifai-secrets' shares that instance; by path, it skips a second package resolution.
// Before the library compiles, the start opens its connections to the API (dist/early.cjs
// decides whether, from the environment alone; nothing but the TLS handshake goes out on them
// until the load has resolved and checked its settings).
const require = process.getBuiltinModule('node:module').createRequire(import.meta.url);
const covered = process.env.CLARIFAI_SECRETS_LOADED !== undefined && require('../dist/marker.cjs').markerCoversThisProcess();
const handed = covered ? true : Number(process.env.CLARIFAI_SECRETS_CACHE_TTL) > 0 ? (await import('../dist/warm.js')).startFromFreshCopy() : undefined;
if (handed !== true) {
  require('../dist/early.cjs').connectEarly();
  await (await import('../dist/index.js')).preload(handed);
}

// As a test runner's globalSetup (vitest, jest), the load above has already run, once, in
// the runner's own process, before any test file or worker starts; the runner only asks
// this file for a function.
export default function globalSetup() {}
