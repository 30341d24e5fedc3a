// Start with: node -r clarifai-secrets/register app.cjs
// `-r` is synchronous: the register entry calls loadSecretsSync() before this file loads.
const names = ['OPENAI_API_KEY', 'STRIPE_KEY', 'DATABASE_URL'];
for (const name of names) {
  const value = process.env[name];
  console.log(`${name}: ${value === undefined ? 'missing' : `set (${value.length} chars)`}`);
}
