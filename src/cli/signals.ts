/**
 * Signals around `run`'s child: which ones are passed on, when the terminal already delivered
 * them, and dying of the same signal as the child.
 *
 * The child stays in the wrapper's process group, as with Doppler's CLI and `op run`, so it
 * keeps the terminal: prompts, `/dev/tty`, job control all work. The price is that a
 * terminal sends its keyboard signals (Ctrl-C, Ctrl-\, and a resize) to the whole
 * foreground group, child included; forwarding those too would deliver them twice, and for
 * many programs a second Ctrl-C means "quit now". So they are forwarded only when the
 * wrapper is not in the foreground of a terminal (a `kill`, `docker stop`, a supervisor).
 */
import { readFileSync } from 'node:fs';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/** Signals a terminal sends to its whole foreground process group. */
const KEYBOARD_SIGNALS = new Set<NodeJS.Signals>(['SIGINT', 'SIGQUIT', 'SIGWINCH']);

/**
 * Signals whose default action dumps core. When the child dies of one, the wrapper exits
 * with 128+N instead of raising it on itself: the shell sees the same status, and no core
 * file of the wrapper lands next to the child's.
 */
const CORE_SIGNALS = new Set(['SIGQUIT', 'SIGILL', 'SIGTRAP', 'SIGABRT', 'SIGBUS', 'SIGFPE', 'SIGSEGV', 'SIGSYS', 'SIGXCPU', 'SIGXFSZ']);

/**
 * Whether a signal of the keyboard kind already reached the child from the terminal. On
 * Linux, /proc says exactly whether this process group is the terminal's foreground group;
 * elsewhere a terminal on any standard stream stands in for it.
 */
function terminalDelivers(): boolean {
  if (process.platform === 'win32') return true; // the console signals every attached process
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync('/proc/self/stat', 'latin1');
      // After "pid (comm) ": state ppid pgrp session tty_nr tpgid ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pgrp = Number(fields[2]);
      const ttyNr = Number(fields[4]);
      const tpgid = Number(fields[5]);
      return ttyNr !== 0 && tpgid > 0 && tpgid === pgrp;
    } catch {
      // fall through to the guess
    }
  }
  // Loaded here, at signal time: nothing on the startup path needs node:tty.
  const { isatty } = process.getBuiltinModule('node:tty');
  return isatty(0) || isatty(1) || isatty(2);
}

export interface SignalListeners {
  /** Stops listening; the default actions apply again. */
  unlisten(): void;
}

/**
 * Listens for every forwarded signal. `received` hears each one; `deliver` is called only
 * when the signal must be passed on (it did not already reach the child from the terminal).
 */
export function listenForSignals(received: (signal: NodeJS.Signals) => void, deliver: (signal: NodeJS.Signals) => void): SignalListeners {
  const listeners = new Map<NodeJS.Signals, () => void>();
  for (const signal of FORWARDED_SIGNALS) {
    const listener = (): void => {
      received(signal);
      if (KEYBOARD_SIGNALS.has(signal) && terminalDelivers()) return;
      if (process.platform === 'win32') return; // only the console signals there, and it reaches the child itself
      deliver(signal);
    };
    try {
      process.on(signal, listener);
      listeners.set(signal, listener);
    } catch {
      // not a signal this platform can listen to
    }
  }
  return {
    unlisten() {
      for (const [signal, listener] of listeners) process.off(signal, listener);
      listeners.clear();
    },
  };
}

/**
 * The status of a child that died of `signal`: first raises the same signal on this process
 * (which ends it, except as PID 1, where the kernel ignores it and 128+N is returned instead).
 */
export function mirrorSignal(signal: NodeJS.Signals, listeners: SignalListeners): number {
  const number = (process.getBuiltinModule('node:os').constants.signals as Record<string, number | undefined>)[signal];
  const status = number === undefined ? 1 : 128 + number;
  // Set first: if the signal does not end us (PID 1 ignores signals it has no handler
  // for), the process still exits with the status a shell would show.
  process.exitCode = status;
  if (process.platform === 'win32' || CORE_SIGNALS.has(signal)) return status;
  listeners.unlisten();
  try {
    process.kill(process.pid, signal);
  } catch {
    // fall back to the status
  }
  return status;
}
