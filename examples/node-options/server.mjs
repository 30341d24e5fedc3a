// Started by start.sh with NODE_OPTIONS="--import clarifai-secrets/register".
// Every node process under NODE_OPTIONS runs the preload; the marker the first one leaves
// (CLARIFAI_SECRETS_LOADED) tells the children that their env already holds the secrets.
import { execFileSync } from 'node:child_process';

console.log(`parent: OPENAI_API_KEY ${process.env.OPENAI_API_KEY ? 'set' : 'missing'}`);
const child = execFileSync(
  process.execPath,
  ['-e', 'console.log(`child: OPENAI_API_KEY ${process.env.OPENAI_API_KEY ? "set" : "missing"}`)'],
  { encoding: 'utf8' },
);
process.stdout.write(child);
