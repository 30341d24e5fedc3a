// Start with: node --import clarifai-secrets/register app.mjs (the preload reads the .env's reference lines)
// Node reads .env into process.env, then the preload swaps each clarifai:// reference for
// its value: by this first line every variable holds a value, never a reference.
for (const name of ['OPENAI_API_KEY', 'DATABASE_URL', 'SENTRY_DSN', 'LOG_LEVEL']) {
  const value = process.env[name];
  // Say whether it is there, never what it is.
  console.log(`${name}: ${value === undefined ? 'not set' : value.startsWith('clarifai://') ? 'still a reference' : `set (${value.length} chars)`}`);
}
