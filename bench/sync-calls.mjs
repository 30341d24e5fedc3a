/**
 * Synchronous loads inside one process (floors/sync-calls.cjs): what the first call and
 * each later call cost with a new worker per call (what loadSecretsSync does), one worker
 * kept for every call, and execFileSync of a tiny fetcher.
 */
import { runOnce } from './measure.mjs';
import { baseEnv } from './commands.mjs';
import { firstLine } from './startup.mjs';
import { median } from './stats.mjs';

export async function runSyncCalls({ options, project, emulator, log }) {
  const calls = options.quick ? 3 : 10;
  const ran = await runOnce({
    argv: [process.execPath, 'floors/sync-calls.cjs', String(calls)],
    env: baseEnv(project, emulator.url),
    cwd: project.dir,
    scratch: project.scratch,
  });
  log('sync calls: done');
  const line = ran.stdout.split('\n').find((l) => l.startsWith('{'));
  if (ran.code !== 0 || !line) return { calls, ways: [], failures: [`sync calls: exit ${ran.code}: ${firstLine(ran.stderr)}`] };
  const ways = Object.entries(JSON.parse(line)).map(([way, ms]) => ({ way, first: ms[0], later: median(ms.slice(1)) }));
  return { calls, ways, failures: [] };
}
