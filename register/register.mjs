// node --import clarifai-secrets/register app.js
// The same file the package name resolves to, so the app that imports 'clarifai-secrets'
// shares this instance; by path, it skips a second package resolution at every start.
import { preload } from '../dist/index.js';

await preload();
