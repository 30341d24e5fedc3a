// `import 'clarifai-secrets/register'` runs the preload for its side effect: the secrets are
// in process.env once it is done. The default export is the no-op function a test runner's
// globalSetup asks for (the load has already run when it is called).
export default function globalSetup(): void;
