import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { globalSetup: 'clarifai-secrets/register' },
});
