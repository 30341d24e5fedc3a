// The floor of `run`: a CommonJS wrapper that spawns its arguments with stdio inherited and
// exits with the child's code. With --fetch it first gets the secrets with node:http.
const { spawn } = require('node:child_process');

async function main() {
  let argv = process.argv.slice(2);
  const env = { ...process.env };
  if (argv[0] === '--fetch') {
    argv = argv.slice(1);
    const { fetchAll } = require('./fetcher.cjs');
    for (const [name, value] of await fetchAll(env.CLARIFAI_API_BASE, env.CLARIFAI_PAT)) env[name] ??= value;
  }
  const child = spawn(argv[0], argv.slice(1), { stdio: 'inherit', env });
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code)));
}
main();
