// Started by node --watch and nodemon; the test touches this file to make them restart.
console.log(JSON.stringify({ seen: process.env.OPENAI_API_KEY?.startsWith('sk-INT-') ?? false }));
setInterval(() => {}, 1 << 30);
