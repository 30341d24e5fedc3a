// A small HTTP server whose API client is rebuilt when its key rotates, with no restart.
import { createServer } from 'node:http';
import { watchSecrets } from 'clarifai-secrets';

/** Stands in for an SDK client (OpenAI, Stripe, ...) that reads its key once, when it is built. */
class ApiClient {
  static built = 0;
  #apiKey;
  constructor(apiKey) {
    this.#apiKey = apiKey;
    this.id = ++ApiClient.built;
  }
  describe() {
    return { client: this.id, keyLength: this.#apiKey.length };
  }
}

let client;
const watcher = await watchSecrets({
  secrets: 'OPENAI_API_KEY',
  intervalMs: Number(process.env.WATCH_INTERVAL_MS ?? 60_000),
  onChange({ changed }) {
    // Names only: the new value is already in process.env.
    if (!changed.includes('OPENAI_API_KEY')) return;
    client = new ApiClient(process.env.OPENAI_API_KEY);
    console.log(`OPENAI_API_KEY rotated: client #${client.id} built`);
  },
});
client = new ApiClient(process.env.OPENAI_API_KEY);

const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(client.describe()));
});
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});

// The watcher's timer never keeps the process alive; the server does, until it is closed.
process.on('SIGTERM', () => {
  watcher.close();
  server.close();
});
