/**
 * One timed run of one command.
 *
 * Wall time: from just before spawn() to the child's 'exit' event, measured in this
 * process with a monotonic clock (it includes fork/exec, the same for every command).
 * Startup: from the same instant to the app's first line, which app.js reads from the same
 * monotonic clock (CLOCK_MONOTONIC is one clock for every process on the machine): what
 * the user waits for before the app runs, without what happens after it (a copy written
 * once the app has started, the app's own exit).
 *
 * Memory, two numbers:
 * - app RSS: the peak RSS of the app's own process, which app.js reads from
 *   process.resourceUsage().maxRSS at exit. A preload runs in that process (worker threads
 *   included), so this is what the "adds at most 10 MiB" target is about.
 * - tree RSS: GNU time's %M when /usr/bin/time exists: ru_maxrss from wait4(), i.e. the peak
 *   RSS of the largest single process in the command's tree (the wrapper or the app, not
 *   their sum). Running under /usr/bin/time adds one small exec to every command alike.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

let counter = 0;

/** Runs argv in cwd with exactly `env`; resolves to { ms, code, signal, app, treeRssKiB, stdout, stderr }. */
export function runOnce({ argv, env, cwd, scratch, timeoutMs = 60_000 }) {
  const timeFile = join(scratch, `time-${process.pid}-${counter++}.txt`);
  const [command, ...args] = GNU_TIME ? [GNU_TIME, '-f', '%M', '-o', timeFile, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let ended;
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', () => (ended = process.hrtime.bigint()));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let treeRssKiB;
      if (GNU_TIME) {
        try {
          // On a non-zero exit GNU time writes a "Command exited ..." line first.
          const lines = readFileSync(timeFile, 'utf8').trim().split('\n');
          treeRssKiB = Number(lines.at(-1));
        } catch {
          // The child never ran.
        }
        rmSync(timeFile, { force: true });
      }
      const line = stdout.split('\n').findLast((l) => l.startsWith('{"n":'));
      resolve({
        ms: Number((ended ?? process.hrtime.bigint()) - started) / 1e6,
        firstMs: line && JSON.parse(line).first ? Number(BigInt(JSON.parse(line).first) - started) / 1e6 : undefined,
        code,
        signal,
        app: line ? JSON.parse(line) : undefined,
        treeRssKiB,
        stdout,
        stderr,
      });
    });
  });
}
