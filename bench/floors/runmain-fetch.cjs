// -r without a worker: hold the main module back (Module.runMain, which Node calls after
// the -r preloads and which it documents as monkey-patchable from them) until an ordinary
// async node:http fetch is done. Node's -e, -p and the REPL never call runMain: a real
// preload would need the synchronous way for those.
const Module = require('node:module');
const { fetchAll } = require('./fetcher.cjs');

const runMain = Module.runMain;
Module.runMain = function (...args) {
  Module.runMain = runMain;
  fetchAll(process.env.CLARIFAI_API_BASE, process.env.CLARIFAI_PAT).then(
    (entries) => {
      for (const [name, value] of entries) process.env[name] ??= value;
      runMain.apply(this, args);
    },
    (error) => {
      process.stderr.write(`runmain-fetch: ${error.message}\n`);
      process.exit(1);
    },
  );
};
