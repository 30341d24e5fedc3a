// node -r clarifai-secrets/register app.js
// The same file the package name resolves to, so the app that requires 'clarifai-secrets'
// shares this instance; by path, it skips a second package resolution at every start.
require('../dist/index.cjs').preloadBeforeMain();

// As jest's globalSetup, the load above has already run, once, in jest's own process,
// before any test file or worker starts; jest only asks this file for a function.
module.exports = function globalSetup() {};
