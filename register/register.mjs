// node --import clarifai-secrets/register app.js
// The same file the package name resolves to, so the app that imports 'clarifai-secrets'
// shares this instance; by path, it skips a second package resolution at every start.
import { preload } from '../dist/index.js';

await preload();

// As a test runner's globalSetup (vitest, jest), the load above has already run, once, in
// the runner's own process, before any test file or worker starts; the runner only asks
// this file for a function.
export default function globalSetup() {}
