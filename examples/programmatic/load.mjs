// node load.mjs: load secrets from code, choose which, and read the report.
import { isSecretsError, loadSecrets } from 'clarifai-secrets';

try {
  const report = await loadSecrets({
    // Env name = secret id; `?` marks an optional secret.
    secrets: ['OPENAI_API_KEY', 'DATABASE_URL', 'SENTRY_DSN?'],
  });
  // The report holds names only, never values.
  console.log(`source: ${report.source}`);
  console.log(`set: ${report.set.join(', ')}`);
  console.log(`missing optional: ${report.missing.join(', ') || 'none'}`);
  console.log(`DATABASE_URL: ${process.env.DATABASE_URL ? 'set' : 'missing'}`);
} catch (error) {
  if (!isSecretsError(error)) throw error;
  console.error(`could not load secrets (${error.code}): ${error.message}`);
  process.exit(1);
}
