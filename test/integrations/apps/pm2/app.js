// Leaves what it saw in a file (pm2 keeps stdout in its own logs) and keeps running.
const { writeFileSync } = require('node:fs');
const seen = process.env.OPENAI_API_KEY?.startsWith('sk-INT-') ?? false;
writeFileSync(`${process.env.RESULT_DIR}/${process.pid}.json`, JSON.stringify({ seen }));
setInterval(() => {}, 1 << 30);
