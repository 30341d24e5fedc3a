// undici on the startup path: the same walk as http-fetch.mjs with undici's request().
import { Agent, request } from 'undici';

const dispatcher = new Agent();
for (let n = 1; ; n++) {
  const url = `${process.env.CLARIFAI_API_BASE}/v2/users/me/secrets?page=${n}&per_page=1000`;
  const res = await request(url, { dispatcher, headers: { authorization: `Key ${process.env.CLARIFAI_PAT}` } });
  const secrets = (await res.body.json()).secrets ?? [];
  if (secrets.length === 0) break;
  for (const { id, value } of secrets) process.env[id] ??= value;
}
await dispatcher.close();
