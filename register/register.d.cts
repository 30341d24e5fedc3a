// `import 'clarifai-secrets/register'` and `require('clarifai-secrets/register')` run the
// preload for their side effect: the secrets are in process.env once they are done. The
// entry exports nothing.
export {};
