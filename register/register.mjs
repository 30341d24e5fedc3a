// node --import clarifai-secrets/register app.js
// By package name, so this preload and the app share one copy of the package's state.
import { preload } from 'clarifai-secrets';

await preload();
