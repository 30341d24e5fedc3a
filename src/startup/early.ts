/**
 * What the register files run before they compile the library, built as its own bundle of a
 * few KB (dist/early.cjs): the early connection (connect-early.ts), and for `node -r` the
 * turn it needs to leave.
 */
import { mainWaitsForRunMain, runMainHook } from '../node-features.js';
import { connectEarly } from './connect-early.js';

export { connectEarly };

/**
 * For `node -r`: a preload runs inside Node's start, and a connection it opens sends its SYN
 * only once that start has returned to the event loop, so the library compiled and run right
 * away (preload.ts's preloadBeforeMain) would come first. When Node is sure to start the main
 * script through `Module.runMain` (the one case in which that preload loads on this thread,
 * letting `runMain` wait), this opens the early connections and runs `start` one turn later,
 * as Node calls `runMain`: the SYNs are out, and the library compiles while they travel. Any
 * other start loads in the sync worker, whose thread cannot use this thread's sockets, so
 * none is opened; false then (and when the environment allows no early connection), and the
 * caller starts at once, as before.
 */
export function connectBeforeRunMain(start: () => void): boolean {
  const hook = runMainHook();
  if (!hook || !mainWaitsForRunMain().waits || !connectEarly()) return false;
  let called = false;
  hook.replace(function runMainAfterStart(this: unknown, ...args: unknown[]) {
    called = true;
    hook.restore();
    setImmediate(() => {
      start();
      // The runMain that start left: its own wait for the load, or Node's when it had none.
      (process.getBuiltinModule('node:module') as unknown as { runMain: (...a: unknown[]) => unknown }).runMain.apply(this, args);
    });
  });
  // Node calls runMain in the same turn as the preloads; if it did not, start now, and the
  // preload says so as it always has.
  process.nextTick(() => {
    if (called) return;
    hook.restore();
    start();
  });
  return true;
}
