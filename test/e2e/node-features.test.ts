/**
 * The probes of Node internals in src/node-features.ts, run inside real node
 * processes of every version in test/support/nodes.ts: each test fails when a release stops
 * behaving the way a probe assumes (where `node -e` keeps its code, that `-r` preloads run
 * before `Module.runMain`, which flags keep it), instead of a `-r` preload silently loading
 * nothing for users of that release.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/package-link.js';
import { NODES, type NodeBinary } from '../support/nodes.js';
import { type Ran, baseEnv, run } from '../support/spawn.js';

// The probe module itself, bundled into a -r preload that prints what each probe says and
// whether Node then calls Module.runMain, in order, on stderr.
const PROBE = `
import { evalCode, isMainThread, mainModuleStarted, mainWaitsForRunMain, runMainHook } from './node-features.ts';
const out = (fields) => process.getBuiltinModule('node:fs').writeSync(2, 'probe ' + JSON.stringify(fields) + '\\n');
const hook = runMainHook();
out({ eval: evalCode() ?? null, started: mainModuleStarted(), mainThread: isMainThread(), hook: hook !== undefined, waits: mainWaitsForRunMain().waits });
hook?.replace(function (...args) {
  out({ runMain: true });
  hook.restore();
  return hook.original.apply(this, args);
});
`;
const MAIN = "process.getBuiltinModule('node:fs').writeSync(2, 'probe {\"main\":true}\\n');\n";

interface Probed {
  eval: string | null;
  started: boolean;
  mainThread: boolean;
  hook: boolean;
  waits: boolean;
  /** The order of events: 'probe', 'runMain', 'main'. */
  events: string[];
  ran: Ran;
}

let dir: string;
let preload: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cs-node-features-'));
  const built = buildSync({
    stdin: { contents: PROBE, resolveDir: join(REPO_ROOT, 'src'), loader: 'ts', sourcefile: 'probe.ts' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    write: false,
  });
  preload = join(dir, 'probe.cjs');
  writeFileSync(preload, built.outputFiles[0]?.text ?? '');
  writeFileSync(join(dir, 'main.cjs'), MAIN);
  writeFileSync(join(dir, 'main.mjs'), MAIN);
  writeFileSync(join(dir, 'main.js'), MAIN);
  writeFileSync(join(dir, 'main.ts'), `const typed: string = 'x';\n${MAIN}`);
  writeFileSync(join(dir, 'a.test.mjs'), MAIN);
  writeFileSync(join(dir, 'worker-main.cjs'), "new (require('node:worker_threads').Worker)('0', { eval: true, argv: ['w'] });\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function probe(node: NodeBinary, args: string[], more: { input?: string; nodeOptions?: string } = {}): Promise<Probed> {
  const env = baseEnv(more.nodeOptions ? { NODE_OPTIONS: more.nodeOptions } : {});
  const ran = await run(node.bin, ['-r', preload, ...args], { cwd: dir, env, input: more.input ?? '' });
  const events: string[] = [];
  let first: Omit<Probed, 'events' | 'ran'> | undefined;
  for (const line of ran.stderr.split('\n')) {
    if (!line.startsWith('probe ')) continue;
    const fields = JSON.parse(line.slice(6)) as Record<string, unknown>;
    if (fields['runMain']) events.push('runMain');
    else if (fields['main']) events.push('main');
    else {
      events.push('probe');
      first = fields as unknown as Omit<Probed, 'events' | 'ran'>;
    }
  }
  expect(first, `the probe preload did not run: ${ran.stderr}`).toBeDefined();
  return { ...(first as Omit<Probed, 'events' | 'ran'>), events, ran };
}

/** Refused flags end node before any preload runs, with no probe line: this node does not have them. */
function refused(ran: Ran): boolean {
  return ran.code !== 0 && !ran.stderr.includes('probe ');
}

// Flags a user is likely to put beside -r, each with a harmless value: with every one of
// them Node must still call Module.runMain after the preloads.
const KEEPING: string[][] = [
  ['--enable-source-maps'],
  ['--max-old-space-size=256'],
  ['--stack-trace-limit=20'],
  ['--no-warnings'],
  ['--no-deprecation'],
  ['--trace-warnings'],
  ['--title', 'probe-title'],
  ['--conditions=development'],
  ['-C', 'development'],
  ['--preserve-symlinks'],
  ['--unhandled-rejections=strict'],
  ['--disable-warning=ExperimentalWarning'],
  ['--expose-gc'],
  ['--env-file-if-exists=absent.env'],
  ['--experimental-strip-types'],
  ['--experimental-require-module'],
  ['--experimental-detect-module'],
  ['--dns-result-order=ipv4first'],
  ['--zero-fill-buffers'],
  // A profile of a -r start is of the load users get, not of the sync worker's.
  ['--cpu-prof', '--cpu-prof-dir=profiles', '--cpu-prof-interval=1000'],
  ['--heap-prof', '--heap-prof-dir=profiles'],
];

describe.each(NODES.map((node) => [node.version, node] as const))('node %s', (_version, node) => {
  it('a worker thread (given the preload by inheriting execArgv) is told from the main thread: no wait there', async () => {
    const ran = await run(node.bin, ['-r', preload, 'worker-main.cjs'], { cwd: dir, env: baseEnv(), input: '' });
    const probes = ran.stderr.split('\n').filter((l) => l.startsWith('probe {"eval"')).map((l) => JSON.parse(l.slice(6)) as { mainThread: boolean; waits: boolean });
    expect(probes, ran.stderr).toEqual([
      expect.objectContaining({ mainThread: true, waits: true }),
      expect.objectContaining({ mainThread: false, waits: false }),
    ]);
  });

  it('a -r preload runs before Module.runMain, which runs a CommonJS or ESM main: the wait is taken', async () => {
    for (const main of ['main.cjs', 'main.mjs', 'main.js']) {
      const seen = await probe(node, [main]);
      expect(seen).toMatchObject({ eval: null, started: false, mainThread: true, hook: true, waits: true });
      expect(seen.events).toEqual(['probe', 'runMain', 'main']);
    }
  });

  it.runIf(node.major >= 23)('a TypeScript main (type stripping on by default) also starts through Module.runMain', async () => {
    const seen = await probe(node, ['main.ts']);
    expect(seen.waits).toBe(true);
    expect(seen.events).toEqual(['probe', 'runMain', 'main']);
  });

  it('node -e and -p keep their code on process._eval: no wait', async () => {
    const evaluated = await probe(node, ['-e', MAIN]);
    expect(evaluated).toMatchObject({ eval: MAIN, waits: false });
    expect((await probe(node, ['-p', '1'])).eval).toBe('1');
  });

  it('a script on stdin or the REPL has no process.argv[1] (or "-"): no wait', async () => {
    expect((await probe(node, ['-'], { input: MAIN })).waits).toBe(false);
    expect((await probe(node, [], { input: MAIN })).waits).toBe(false);
  });

  it('a preload reached from the main module sees process.mainModule', async () => {
    writeFileSync(join(dir, 'late.cjs'), `require(${JSON.stringify(preload)});\n`);
    const run2 = await run(node.bin, ['late.cjs'], { cwd: dir, env: baseEnv() });
    expect(run2.stderr).toMatch(/"started":true.*"waits":false/);
  });

  it('modes that do not call Module.runMain are not waited for (and really do not call it)', async () => {
    const test = await probe(node, ['--test', 'a.test.mjs']);
    expect(test.waits).toBe(false);
    expect(test.events[0]).toBe('probe');
    expect(test.events).not.toContain('runMain');
    if (node.major < 23) {
      const untyped = await probe(node, ['--experimental-default-type=module', 'main.js']);
      expect(untyped.waits).toBe(false);
      expect(untyped.events).toEqual(['probe', 'main']);
    }
    const imported = await probe(node, ['--import', 'data:text/javascript,0', 'main.cjs']);
    expect(imported.waits).toBe(false);
    expect((await probe(node, ['main.cjs'], { nodeOptions: '--import data:text/javascript,0' })).waits).toBe(false);
    expect((await probe(node, ['-r', './main.cjs', 'main.cjs'])).waits).toBe(false);
  });

  it('each flag the probe lets wait keeps Module.runMain', async () => {
    for (const flag of KEEPING) {
      const label = `${flag.join(' ')} on ${node.version}`;
      for (const where of ['argv', 'NODE_OPTIONS'] as const) {
        const args = where === 'argv' ? ['-r', preload, ...flag, 'main.cjs'] : ['-r', preload, 'main.cjs'];
        const env = baseEnv(where === 'argv' ? {} : { NODE_OPTIONS: flag.join(' ') });
        const ran = await run(node.bin, args, { cwd: dir, env });
        if (refused(ran)) continue;
        expect(ran.stderr, `${label} (${where})`).toMatch(/"waits":true[\s\S]*"runMain":true[\s\S]*"main":true/);
      }
    }
  });
});
