// node -r clarifai-secrets/register app.js
// By package name, so this preload and the app share one copy of the package's state.
require('clarifai-secrets').preloadBeforeMain();
