// A tiny fetcher for execFileSync: walks the list endpoint with node:http (node:https for an
// https:// base, bench/tls.mjs), prints the secrets as JSON on stdout. Also the code that the
// worker floors evaluate.
const { Agent, request } = require(process.env.CLARIFAI_API_BASE?.startsWith('https:') ? 'node:https' : 'node:http');

async function fetchAll(base, pat) {
  const agent = new Agent({ keepAlive: true });
  const page = (n) =>
    new Promise((resolve, reject) => {
      const url = `${base}/v2/users/me/secrets?page=${n}&per_page=1000`;
      const req = request(url, { agent, headers: { authorization: `Key ${pat}` } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).secrets ?? []));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  const entries = [];
  for (let n = 1; ; n++) {
    const secrets = await page(n);
    if (secrets.length === 0) break;
    for (const { id, value } of secrets) entries.push([id, value]);
  }
  agent.destroy();
  return entries;
}

module.exports = { fetchAll };
if (require.main === module) {
  fetchAll(process.env.CLARIFAI_API_BASE, process.env.CLARIFAI_PAT).then((entries) =>
    process.stdout.write(JSON.stringify(entries)),
  );
}
