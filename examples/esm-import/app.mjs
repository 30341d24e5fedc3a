// Start with: node --import clarifai-secrets/register app.mjs
// The preload has already run when this first line executes.
const names = ['OPENAI_API_KEY', 'STRIPE_KEY', 'DATABASE_URL'];
for (const name of names) {
  const value = process.env[name];
  // Say whether it is there, never what it is.
  console.log(`${name}: ${value === undefined ? 'missing' : `set (${value.length} chars)`}`);
}
