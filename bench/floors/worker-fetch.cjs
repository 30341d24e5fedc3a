// -r floor for the worker approach: a worker thread fetches with node:http while the main
// thread waits on Atomics.wait, then reads the answer with receiveMessageOnPort.
const { MessageChannel, Worker, receiveMessageOnPort } = require('node:worker_threads');
const { join } = require('node:path');

const CODE = `
const { workerData } = require('node:worker_threads');
const answer = (message) => {
  workerData.port.postMessage(message);
  Atomics.store(workerData.signal, 0, 1);
  Atomics.notify(workerData.signal, 0);
};
require(workerData.fetcher).fetchAll(workerData.base, workerData.pat).then(answer, (e) => answer({ error: String(e) }));
`;
const signal = new Int32Array(new SharedArrayBuffer(4));
const { port1, port2 } = new MessageChannel();
const worker = new Worker(CODE, {
  eval: true,
  execArgv: [],
  transferList: [port2],
  workerData: {
    signal,
    port: port2,
    fetcher: join(__dirname, 'fetcher.cjs'),
    base: process.env.CLARIFAI_API_BASE,
    pat: process.env.CLARIFAI_PAT,
  },
});
Atomics.wait(signal, 0, 0, 10_000);
const entries = receiveMessageOnPort(port1).message;
if (!Array.isArray(entries)) throw new Error(`worker failed: ${entries?.error}`);
for (const [name, value] of entries) process.env[name] ??= value;
port1.close();
void worker.terminate();
