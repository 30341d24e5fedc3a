// The "Test" step of workflow.yml: the secrets arrive as plain env vars. It says what it got,
// never the values (the runner would mask them anyway: pull printed ::add-mask:: for each).
for (const name of ['OPENAI_API_KEY', 'DATABASE_URL', 'TLS_CA', 'SENTRY_DSN', 'CLARIFAI_PAT']) {
  const value = process.env[name];
  const lines = value?.split('\n').length ?? 0;
  console.log(`${name}: ${value === undefined ? 'not set' : `set (${value.length} chars${lines > 1 ? `, ${lines} lines` : ''})`}`);
}
if (!process.env.OPENAI_API_KEY || !process.env.DATABASE_URL) process.exit(1);
