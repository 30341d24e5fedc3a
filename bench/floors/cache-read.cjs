// The cache-hit floor: node:fs + node:crypto, an HKDF key and an AES-256-GCM file.
const { createDecipheriv, hkdfSync } = require('node:crypto');
const { readFileSync } = require('node:fs');

const data = readFileSync(process.env.FLOOR_CACHE_FILE);
const key = Buffer.from(hkdfSync('sha256', process.env.CLARIFAI_PAT, 'floor', process.env.CLARIFAI_API_BASE, 32));
const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
decipher.setAuthTag(data.subarray(12, 28));
const copy = JSON.parse(Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8'));
for (const [name, value] of copy.entries) process.env[name] ??= value;
