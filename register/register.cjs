// node -r clarifai-secrets/register app.js
// A process whose parent already loaded (CLARIFAI_SECRETS_LOADED covers it) is told so by
// the few-KB marker check (dist/marker.cjs), before anything else is compiled; when that
// check is not sure, the library below decides, as for every other start.
// With CLARIFAI_SECRETS_CACHE_TTL above 0 in the environment, a fresh cached copy is served
// by the small cache-hit bundle (dist/warm.cjs), which leaves the full library unloaded.
// Everything else goes to the full preload, which goes on from what the cache-hit start
// handed it: the same file the package name resolves to, so an app that requires
// 'clarifai-secrets' shares that instance; by path, it skips a second package resolution.
const covered = process.env.CLARIFAI_SECRETS_LOADED !== undefined && require('../dist/marker.cjs').markerCoversThisProcess();
const handed = covered ? true : Number(process.env.CLARIFAI_SECRETS_CACHE_TTL) > 0 ? require('../dist/warm.cjs').startFromFreshCopy() : undefined;
// Before the library compiles, the start opens its connections to the API (dist/early.cjs
// decides whether, from the environment alone; nothing but the TLS handshake goes out on them
// until the load has resolved and checked its settings), when Node will start the main script
// through Module.runMain (any other start loads in a worker thread, which could not use
// them), and lets them leave before it compiles the library.
if (handed !== true) {
  const start = () => require('../dist/index.cjs').preloadBeforeMain(handed);
  if (!require('../dist/early.cjs').connectBeforeRunMain(start)) start();
}

// As jest's globalSetup, the load above has already run, once, in jest's own process,
// before any test file or worker starts; jest only asks this file for a function.
module.exports = function globalSetup() {};
