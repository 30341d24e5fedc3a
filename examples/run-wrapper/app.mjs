// Prints which secrets this process sees: names and lengths, never values.
for (const name of ['OPENAI_API_KEY', 'STRIPE_KEY', 'DATABASE_URL']) {
  const value = process.env[name];
  console.log(`${name}: ${value === undefined ? 'missing' : `set (${value.length} chars)`}`);
}
console.log(`CLARIFAI_PAT: ${process.env.CLARIFAI_PAT === undefined ? 'not passed on' : 'present'}`);
