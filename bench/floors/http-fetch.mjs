// The fetch floor for --import: node:http (node:https for an https:// base, bench/tls.mjs),
// one keep-alive socket, pages until an empty one.
import * as http from 'node:http';

const { Agent, request } = process.env.CLARIFAI_API_BASE.startsWith('https:') ? await import('node:https') : http;

const agent = new Agent({ keepAlive: true });
const page = (n) =>
  new Promise((resolve, reject) => {
    const url = `${process.env.CLARIFAI_API_BASE}/v2/users/me/secrets?page=${n}&per_page=1000`;
    const req = request(url, { agent, headers: { authorization: `Key ${process.env.CLARIFAI_PAT}` } }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).secrets ?? []));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
for (let n = 1; ; n++) {
  const secrets = await page(n);
  if (secrets.length === 0) break;
  for (const { id, value } of secrets) process.env[id] ??= value;
}
agent.destroy();
