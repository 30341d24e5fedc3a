// `require('clarifai-secrets/register')` runs the preload for its side effect: the secrets are
// in process.env once it is done. The export is the no-op function jest's globalSetup asks
// for (the load has already run when it is called).
declare function globalSetup(): void;
export = globalSetup;
