// The same-job floor of `run` (same-job.cjs): the secrets into a copy of the environment
// (warm: read from the copy; cold: both pages fetched), the command spawned with it, the
// copy written while the command runs, and the command's exit passed on.
const job = require('./same-job.cjs');

async function main() {
  const [command, ...args] = process.argv.slice(2);
  const env = { ...process.env };
  const entries = job.warm(env) ? job.readCopy(env) : await job.listBoth(env.CLARIFAI_API_BASE, env.CLARIFAI_PAT);
  job.apply(env, entries);
  delete env.CLARIFAI_PAT;
  const child = process.getBuiltinModule('node:child_process').spawn(command, args, { stdio: 'inherit', env });
  if (!job.warm(process.env)) job.writeCopy(process.env, entries);
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code)));
}
main();
