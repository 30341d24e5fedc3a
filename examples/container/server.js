// A small HTTP service that shuts down cleanly on SIGTERM, as `docker stop` expects.
// It reports whether its secret arrived (never the value) and who its parent is: with the
// entrypoint below, the parent is clarifai-secrets, running as PID 1.
const http = require('node:http');

const server = http.createServer((req, res) => {
  res.end(process.env.OPENAI_API_KEY ? 'ready: OPENAI_API_KEY is set\n' : 'missing OPENAI_API_KEY\n');
});

server.listen(Number(process.env.PORT ?? 8080), () => {
  console.log(`listening on port ${server.address().port}; parent pid ${process.ppid}; OPENAI_API_KEY ${process.env.OPENAI_API_KEY ? 'set' : 'missing'}`);
});

process.on('SIGTERM', () => {
  console.log('SIGTERM: closing connections, then exiting');
  server.close(() => process.exit(0));
});
