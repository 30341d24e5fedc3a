// What a worker thread costs by itself: it answers at once, the main thread waits for it.
const { MessageChannel, Worker, receiveMessageOnPort } = require('node:worker_threads');

const CODE = `
const { workerData } = require('node:worker_threads');
workerData.port.postMessage([]);
Atomics.store(workerData.signal, 0, 1);
Atomics.notify(workerData.signal, 0);
`;
const signal = new Int32Array(new SharedArrayBuffer(4));
const { port1, port2 } = new MessageChannel();
const worker = new Worker(CODE, { eval: true, execArgv: [], transferList: [port2], workerData: { signal, port: port2 } });
Atomics.wait(signal, 0, 0, 10_000);
receiveMessageOnPort(port1);
port1.close();
void worker.terminate();
