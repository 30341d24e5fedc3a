// Reads a service-account key from the file GOOGLE_APPLICATION_CREDENTIALS names, as Google's
// client libraries do. Prints the account and the file's mode, never the key.
import { readFileSync, statSync } from 'node:fs';

const path = process.env.GOOGLE_APPLICATION_CREDENTIALS;
if (!path) {
  console.error('GOOGLE_APPLICATION_CREDENTIALS is not set');
  process.exit(1);
}
const key = JSON.parse(readFileSync(path, 'utf8'));
console.log(`credentials: ${key.client_email} (a file of mode ${(statSync(path).mode & 0o777).toString(8)})`);
