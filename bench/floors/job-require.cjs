// The same-job floor of `-r` (same-job.cjs): warm, the copy read and decrypted at once; cold,
// Module.runMain held back until both pages are in, and the copy written as the process ends.
const job = require('./same-job.cjs');

if (job.warm(process.env)) job.apply(process.env, job.readCopy(process.env));
else {
  const Module = process.getBuiltinModule('node:module');
  const runMain = Module.runMain;
  const fetching = job.listBoth(process.env.CLARIFAI_API_BASE, process.env.CLARIFAI_PAT);
  Module.runMain = function (...args) {
    Module.runMain = runMain;
    fetching.then((entries) => {
      job.apply(process.env, entries);
      process.once('exit', () => job.writeCopy(process.env, entries));
      runMain.apply(this, args);
    }, (error) => {
      process.stderr.write(`job-require: ${error.message}\n`);
      process.exit(1);
    });
  };
}
