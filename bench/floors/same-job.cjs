// The same job as a clarifai-secrets start, by hand, with Node's built-ins only: both list
// pages asked for at once, the marker's SHA-256 of the selection, and the encrypted copy
// (HKDF-SHA256 key, AES-256-GCM) read for a warm start or written (0600, fsync, rename) as
// the process ends for a cold one. The floors job-import.mjs, job-require.cjs and job-run.cjs
// put these steps where each way of starting needs them.
const builtin = (name) => process.getBuiltinModule(name);

/** Pages 1 and 2 at once (page 2 comes back empty for 20 secrets, which ends the walk). */
function listBoth(base, pat) {
  const { request } = builtin(base.startsWith('https:') ? 'node:https' : 'node:http');
  const page = (n) =>
    new Promise((resolve, reject) => {
      const url = `${base}/v2/users/me/secrets?page=${n}&per_page=1000`;
      const req = request(url, { headers: { authorization: `Key ${pat}` } }, (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')).secrets ?? []));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
  return Promise.all([page(1), page(2)]).then(([first, second]) => [...first, ...second].map(({ id, value }) => [id, value]));
}

/** What the marker names, hashed: base URL, user and selection. */
function marker(env) {
  const hash = builtin('node:crypto').createHash('sha256');
  return hash.update(['marker', env.CLARIFAI_API_BASE, env.CLARIFAI_USER_ID ?? 'me', env.CLARIFAI_SECRETS ?? '*'].join('\n')).digest('hex').slice(0, 24);
}

function keyOf(env) {
  return Buffer.from(builtin('node:crypto').hkdfSync('sha256', env.CLARIFAI_PAT, 'floor', env.CLARIFAI_API_BASE, 32));
}

/** The copy's entries, decrypted. */
function readCopy(env) {
  const { createDecipheriv } = builtin('node:crypto');
  const data = builtin('node:fs').readFileSync(env.FLOOR_CACHE_FILE);
  const decipher = createDecipheriv('aes-256-gcm', keyOf(env), data.subarray(0, 12));
  decipher.setAuthTag(data.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8')).entries;
}

/** A new copy beside the warm one: a 0600 temporary file, written, fsynced, renamed into place. */
function writeCopy(env, entries) {
  const { createCipheriv, randomBytes } = builtin('node:crypto');
  const fs = builtin('node:fs');
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyOf(env), nonce);
  const body = Buffer.concat([cipher.update(JSON.stringify({ at: Date.now(), entries }), 'utf8'), cipher.final()]);
  const file = `${env.FLOOR_CACHE_FILE}.cold`;
  const temp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temp, 'wx', 0o600);
  fs.writeSync(fd, Buffer.concat([nonce, cipher.getAuthTag(), body]));
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(temp, file);
}

/** Sets what is not set already, and the marker. */
function apply(env, entries) {
  for (const [name, value] of entries) env[name] ??= value;
  env.CLARIFAI_SECRETS_LOADED = marker(env);
}

const warm = (env) => Number(env.CLARIFAI_SECRETS_CACHE_TTL) > 0;

module.exports = { listBoth, readCopy, writeCopy, apply, warm };
