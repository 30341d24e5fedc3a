/** bench/README.md: the tables of one run, then the analysis kept in findings.md. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR } from './options.mjs';
import { GNU_TIME } from './measure.mjs';
import { maxListRequests } from './scale.mjs';
import { renderTlsSection } from './tls.mjs';
import { renderWatchSection } from './watch-poll.mjs';

const ms = (v) => (v == null || Number.isNaN(v) ? '–' : v >= 100 ? v.toFixed(0) : v.toFixed(1));
const signed = (v, digits = 1) => (v == null || Number.isNaN(v) ? '–' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);
const ratio = (v) => (v == null || Number.isNaN(v) ? '–' : `${v.toFixed(2)}x`);
const mib = (v) => (v == null || Number.isNaN(v) ? '–' : v.toFixed(1));
const code = (text) => `\`${text.replaceAll('|', '\\|')}\``;

const TLS_HEADING = '## Over TLS at a real round-trip time';
// Written by `node bench/tls.mjs --out bench/tls.md` when the section was measured apart from a full run.
const TLS_SEPARATE = join(BENCH_DIR, 'tls.md');

const loadavg = (l) => (l ? l.map((v) => v.toFixed(2)).join(' / ') : '–');

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((h) => (/^(command|way|category|function|target|what|floor)/.test(h) ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The targets of the startup run, each against its floor; ids as in commands.mjs. */
export const STARTUP_TARGETS = [
  ['import-fetch', 'cold `--import`, fetching 20 on loopback'],
  ['require-fetch', 'cold `-r`, fetching 20 on loopback'],
  ['run-fetch', '`run -- node app.js`, fetching 20 on loopback'],
  ['import-cache', 'warm `--import` (fresh cached copy, no request)'],
  ['require-cache', 'warm `-r` (fresh cached copy, no request)'],
  ['import-marker', 'a child the marker covers, `--import`'],
  ['require-marker', 'a child the marker covers, `-r`'],
  ['run-cache', '`run -- node app.js`, fresh cached copy'],
];

/** One line per target: its floor, the paired ratios (exit and first line), the limit and the verdict (on spawn to exit). */
export function targetLines(startup, cli) {
  const byId = new Map(startup.map((r) => [r.row.id, r]));
  const lines = [];
  for (const [id, what] of STARTUP_TARGETS) {
    const r = byId.get(id);
    if (!r) {
      if (id.startsWith('run') && !cli.available) lines.push([what, '–', '–', '–', '–', '–', `not measured: \`clarifai-secrets run\` not available (${cli.reason ?? ''})`]);
      continue;
    }
    const failed = r.failures.length > 0;
    const floor = r.row.floor && (r.row.floor.id === 'bare' ? { row: { label: 'node app.js (bare)' } } : byId.get(r.row.floor.id));
    const limit = r.row.floor?.maxRatio ? `≤ ${r.row.floor.maxRatio.toFixed(2)}x` : '–';
    const judged = failed
      ? '**FAIL** (wrong result, see below)'
      : !r.row.floor?.maxRatio || r.floorRatio === undefined
        ? 'not a target'
        : r.floorRatio <= r.row.floor.maxRatio
          ? '**pass**'
          : '**FAIL**';
    lines.push([what, floor ? code(floor.row.label) : '–', failed ? 'errors' : ratio(r.floorRatio), failed ? '–' : ratio(r.floorRatioFirst), failed ? '–' : `${signed(r.overFloorMs)} ms`, limit, judged]);
  }
  return lines;
}

export const TARGET_HEAD = ['target', 'floor (same job, run right before)', '× floor (spawn to exit)', "× floor (to the app's first line)", '+ ms over the floor (exit)', 'limit', 'verdict'];

/**
 * One "where the time goes" table: each step a command of its own, paired with its own bare
 * run. Rendered only when every step ran (the --floors rows).
 */
function stepsTable(startup, intro, head, steps) {
  const byId = new Map(startup.map((r) => [r.row.id, r]));
  if (!steps.every(([id]) => byId.get(id)?.ms.length)) return [];
  return [intro, '', table([head, '× bare node', '+ ms'], steps.map(([id, what]) => [what, ratio(byId.get(id).ratio), signed(byId.get(id).extraMs)])), ''];
}

/**
 * Where a covered child's time goes: what Node itself charges for a preload named by package
 * (`--import` starting the ESM loader, a package name resolved through its exports map), each
 * step as its own floor, then ours.
 */
const markerSteps = (startup) =>
  stepsTable(
    startup,
    "Where a covered child's time goes: each step is a command of its own in the same rounds, each paired with its own bare run. What an empty preload named by package costs is Node's (the ESM loader `--import` starts; the package's exports map resolved by the module loader) and is paid before any code of ours runs; ours adds the check (reading the `.env` file, one SHA-256 of the setting texts) on top.",
    'what (one step more each)',
    [
      ['require-empty', '`-r` of an empty file'],
      ['require-empty-package', '`-r` of an empty `./register` resolved by package name'],
      ['require-marker', 'ours: `-r clarifai-secrets/register`, the marker covers it'],
      ['import-empty', '`--import` of an empty file'],
      ['import-empty-package', '`--import` of an empty `./register` resolved by package name'],
      ['import-marker', 'ours: `--import clarifai-secrets/register`, the marker covers it'],
    ],
  );

/**
 * Where a warm start's time goes: the job the contract asks for done by hand (the encrypted
 * copy read and decrypted, the marker hashed), what Node charges for a preload named by
 * package, then ours.
 */
const warmSteps = (startup) =>
  stepsTable(
    startup,
    "Where a warm start's time goes, each row a command of its own paired with its own bare run: dotenv (the warm `-r` floor), the job the contract asks for done by hand (node:crypto loaded, the copy read and decrypted, the marker hashed), what Node charges for a preload named by package, and ours.",
    'what',
    [
      ['dotenv-config', '`-r dotenv/config` (the warm `-r` floor): 20 variables from a plain file'],
      ['require-job-warm', '`-r` of the same job by hand, by path: the copy read and decrypted, the marker hashed'],
      ['require-empty-package', '`-r` of an empty `./register` resolved by package name'],
      ['require-cache', 'ours: `-r clarifai-secrets/register`, a fresh cached copy'],
      ['import-job-warm', '`--import` of the same job by hand, by path (the warm `--import` floor)'],
      ['import-empty-package', '`--import` of an empty `./register` resolved by package name'],
      ['import-cache', 'ours: `--import clarifai-secrets/register`, a fresh cached copy'],
    ],
  );

function headline(startup, cli) {
  const byId = new Map(startup.map((r) => [r.row.id, r]));
  const verdict = (ok) => (ok ? '**pass**' : '**FAIL**');
  const memory = [];
  for (const id of ['import-cache', 'import-fetch', 'require-cache', 'require-fetch']) {
    const r = byId.get(id);
    if (r && r.ms.length) memory.push([`memory: ${r.row.label.replace(/^node /, '').replace(' app.js', '')}`, `${signed(r.extraRssMiB)} MiB`, '≤ +10 MiB', verdict(r.extraRssMiB <= 10)]);
  }
  return [table(TARGET_HEAD, targetLines(startup, cli)), '', ...markerSteps(startup), ...warmSteps(startup), table(['target', 'measured', 'limit', 'verdict'], memory)].join('\n');
}

/** The same targets where the floors were not run (the NODE_EXTRA_CA_CERTS rows): ratios only, for reference. */
function ratiosOnly(startup, suffix) {
  const rows = startup.filter((r) => r.row.group === `target${suffix}`);
  return table(['command', '× bare node', '+ ms'], rows.map((r) => [code(r.row.label), ratio(r.ratio), signed(r.extraMs)]));
}

function startupTable(rows) {
  return table(
    ['command', 'median ms', 'first line ms', 'p25–p75 ms', '× bare', '+ ms', 'min ms (× bare min)', 'app CPU ms (+)', 'app peak RSS MiB', '+ MiB', 'largest process MiB', 'requests / run'],
    rows.map((r) =>
      r.ms.length === 0
        ? [code(r.row.label), `failed: ${r.failures[0] ?? ''}`, '', '', '', '', '', '', '', '', '', '']
        : [
            code(r.row.label),
            ms(r.time.median),
            r.firstMs === undefined ? '–' : ms(r.firstMs),
            `${ms(r.time.p25)}–${ms(r.time.p75)}`,
            ratio(r.ratio),
            signed(r.extraMs),
            `${ms(r.min)} (${ratio(r.minRatio)})`,
            `${ms(r.appCpuMs)} (${signed(r.extraCpuMs)})`,
            mib(r.appRssMiB),
            signed(r.extraRssMiB),
            mib(r.treeRssMiB),
            r.requestsPerRun === undefined ? '–' : String(r.requestsPerRun),
          ],
    ),
  );
}

function scaleSection(scale) {
  const rows = scale.rows.map((r) => [
    r.n.toLocaleString('en-US'),
    code(r.mode),
    r.listRequests === undefined ? '–' : `${r.listRequests} (≤ ${maxListRequests(r.n)})`,
    r.requests === undefined ? '–' : String(r.requests),
    ms(r.ms),
    signed(r.extraMs),
    ms(r.loadMs),
    ms(r.envSetMs),
    ms(r.ownMs),
    mib(r.appRssMiB),
    signed(r.extraRssMiB),
  ]);
  const r2 = (v) => (v == null || Number.isNaN(v) ? '–' : v.toFixed(2));
  const fits = scale.fits.map((f) => [
    code(f.mode),
    ms(f.msPer1000),
    ms(f.loadMsPer1000),
    ms(f.ownMsPer1000),
    mib(f.mibPer1000),
    r2(f.marginalRatio),
    r2(f.ownMarginalRatio),
  ]);
  return [
    `Bare node in the same run: ${ms(scale.bareMs)} ms, ${mib(scale.bareRssMiB)} MiB. Each cell is the median of its runs; requests are the most seen in one run.`,
    '',
    table(['N', 'preload', 'list requests', 'all requests', 'wall ms', '+ ms over bare', 'load ms (debug report)', 'of which process.env writes ms', 'load without them ms', 'app peak RSS MiB', '+ MiB'], rows),
    '',
    '"process.env writes" is `floors/env-set.cjs`: the same N variables written into `process.env` by a process that does nothing else. Each write is a `setenv(3)` that scans and copies the whole environment, so N writes cost O(N²) whoever makes them; the load without them is what the package itself controls.',
    '',
    'Growth (least-squares slope over N; marginal ratio = cost per secret from 1,000 to 10,000 over that from 100 to 1,000: about 1 when linear, above 1 when the cost per secret grows with N):',
    '',
    table(['preload', 'wall ms per 1,000 secrets', 'load ms per 1,000', 'load without env writes ms per 1,000', 'MiB per 1,000', 'marginal ratio (load)', 'marginal ratio (without env writes)'], fits),
  ].join('\n');
}

function profileSection(profiles) {
  const cols = [];
  for (const c of profiles.cases) {
    cols.push({ label: c.label, data: c.main });
    if (c.workers) cols.push({ label: `${c.label} (worker thread)`, data: c.workers });
  }
  const categories = new Set();
  for (const col of cols) for (const [k, us] of Object.entries(col.data.self)) if (us >= 300 && k !== 'root') categories.add(k);
  const ordered = [...categories].sort((a, b) => Math.max(...cols.map((c) => c.data.self[b] ?? 0)) - Math.max(...cols.map((c) => c.data.self[a] ?? 0)));
  const selfTable = table(
    ['category (self time, ms per run)', ...cols.map((c) => c.label)],
    [
      ...ordered.map((k) => [k, ...cols.map((c) => ms((c.data.self[k] ?? 0) / 1000))]),
      ['**profile length** (first to last sample)', ...cols.map((c) => ms(c.data.total / 1000))],
    ],
  );
  const inclusiveKeys = new Set();
  for (const col of cols) for (const [k, us] of Object.entries(col.data.inclusive)) if (us >= 300 && /^(clarifai-secrets|dependency|Node: (ESM|CJS) loader|Node: worker_threads|Node: http|Node: crypto)/.test(k)) inclusiveKeys.add(k);
  const inclusiveTable = table(
    ['category (inclusive: on the stack, ms per run)', ...cols.map((c) => c.label)],
    [...inclusiveKeys].sort().map((k) => [k, ...cols.map((c) => ms((c.data.inclusive[k] ?? 0) / 1000))]),
  );
  const tops = cols
    .filter((c) => c.label !== 'bare node')
    .map((c) => {
      const top = Object.entries(c.data.functions)
        .filter(([name]) => !/^\((program|idle|root|garbage collector)\)/.test(name))
        .sort((a, b) => b[1] - a[1])
        .slice(0, 12)
        .map(([name, us]) => [code(name), ms(us / 1000)]);
      return `**${c.label}**\n\n${table(['function (self time)', 'ms per run'], top)}`;
    });
  return [
    `\`node --cpu-prof --cpu-prof-interval=100\`, ${profiles.reps} runs per case, the median of each row over the runs (so a column need not add up to its length). The profiler slows everything down a little; compare columns, not these numbers with the table above. "(program)" is V8 and native work not attributed to a JS function: bootstrap, parsing and compiling, the ESM loader's native side. The profiler's flags keep \`-r\` on the path users get (\`Module.runMain\` waits for an async load on the main thread, no worker): src/node-features.ts lists them among the flags that keep \`runMain\`.`,
    '',
    selfTable,
    '',
    inclusiveTable,
    '',
    '<details><summary>Top functions per case</summary>',
    '',
    tops.join('\n\n'),
    '',
    '</details>',
  ].join('\n');
}

/** The verdicts on the other node binaries (--nodes), each run on its own after the main one. */
function otherNodesSection(otherNodes, cli) {
  return otherNodes.flatMap((o) => [
    `### Node ${o.version}`,
    '',
    `The same targets, floors and bare node, run by Node ${o.version} in rounds of their own right after the main run (load average ${loadavg(o.loadAfter)} at their end).`,
    '',
    table(TARGET_HEAD, targetLines(o.startup, cli)),
    '',
  ]);
}

export function renderReport({ options, machine, cli, startup, otherNodes, scale, syncCalls, profiles, watch, tls, stale }) {
  const group = (g) => startup.filter((r) => r.row.group === g);
  const runs = startup.find((r) => r.row.id !== 'bare')?.ms.length ?? 0;
  const parts = [
    '# Startup benchmark',
    '',
    `Written by \`npm run bench\` (bench/main.mjs) on ${machine.date}; do not edit by hand. The analysis below the tables is kept in [findings.md](findings.md) and copied in.`,
    '',
    'Reproduce:',
    '',
    '```sh',
    'npm ci && npm ci --prefix bench && npm run build',
    `npm run bench --${options.quick ? ' --quick' : ''}${options.nodes?.length ? ' --nodes NODE22,NODE24' : ''}        # the short CI mode: npm run bench -- --quick`,
    ...(options.nodes?.length ? ['# NODE22, NODE24: paths of those node binaries (the targets run on each after the main run)'] : []),
    '```',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}. Node ${machine.node}. Load average (1, 5, 15 min) ${loadavg(machine.loadBefore)} before the run, ${loadavg(machine.loadAfter)} after: other work on the machine shows up as spread between median and min.`,
    `Method: every command once per round, rounds alternating in direction (A B C … C B A …), each command right after a bare \`node app.js\` of its own; ${options.warmup} warm-up round(s), then ${runs} timed runs of each command, all in one run of the harness. "median ms" is the median of the command's runs (spawn to exit), "first line ms" the median time from spawn to the app's first line; "× bare" and "+ ms" are the medians of the ratio and difference to its paired bare run (steadier than a ratio of medians when other work shares the machine); "min" is the fastest run, against the fastest bare run. Wall time is spawn to exit, measured by the harness. The emulator runs in the harness process on loopback. Memory: "app peak RSS" is \`process.resourceUsage().maxRSS\` of the app's own process (the preload runs in it, worker threads included); "largest process" is ${GNU_TIME ? "GNU time's `%M` (wait4's ru_maxrss: the largest single process of the command's tree, not a sum)" : 'not measured (no /usr/bin/time)'}. Every run is checked: the app saw the 20 variables, cache hits made no request, fetches made some.`,
    '',
    ...(stale ? [`> **Warning**: ${stale}.`, ''] : []),
    '## Targets: ours against the same job done by hand',
    '',
    "Each target is a ratio to its floor, run right before it in every round: the same job done by a short script of Node's built-ins (bench/floors/same-job.cjs: both list pages asked for at once, the marker's SHA-256, the encrypted copy read for a warm start or written with mode 0600, fsync and rename as the process ends for a cold one), `node -r dotenv/config` reading 20 variables for warm `-r`, and bare `node app.js` for a child whose parent already loaded. \"× floor\" is the median of the paired ratios, spawn to exit (what the verdict is on: it counts the copy written at the end, as the floor does) and spawn to the app's first line. In a clean environment (PATH and HOME only):",
    '',
    headline(startup, cli),
    '',
    ...(group('target-ca').length
      ? [
          "In this machine's own environment, where `NODE_EXTRA_CA_CERTS` is set (every Node process then reads a CA bundle at start, about +45 ms):",
          '',
          ratiosOnly(startup, '-ca'),
          '',
        ]
      : []),
    ...(otherNodes?.length ? ['## Targets on other Node versions', '', ...otherNodesSection(otherNodes, cli)] : []),
    '## Startup, 20 secrets',
    '',
    '### clarifai-secrets',
    '',
    startupTable([...group('baseline'), ...group('target'), ...group('baseline-ca'), ...group('target-ca')]),
    '',
    '### Anchors',
    '',
    'The same 20 variables from `bench.env` (not `.env`, which the library would read for its own settings).',
    '',
    startupTable([...group('baseline'), ...group('anchor')]),
  ];
  if (group('floor').length) {
    parts.push('', '### Floors: what the pieces cost', '', 'Small preloads that do the least each step can do (bench/floors/README.md).', '', startupTable([...group('baseline'), ...group('floor')]));
  }
  if (syncCalls?.ways.length) {
    parts.push(
      '',
      '### Synchronous loads inside one process',
      '',
      `${syncCalls.calls} calls each in one process (bench/floors/sync-calls.cjs), fetching the 20 secrets; ms per call.`,
      '',
      table(['way', 'first call ms', 'each later call ms (median)'], syncCalls.ways.map((w) => [w.way, ms(w.first), ms(w.later)])),
    );
  }
  if (scale) parts.push('', '## Scale: N secrets through the preload', '', scaleSection(scale));
  if (watch) parts.push('', '## Watching: the cost of one poll', '', renderWatchSection(watch));
  if (tls) parts.push('', TLS_HEADING, '', renderTlsSection(tls));
  else if (existsSync(TLS_SEPARATE)) parts.push('', TLS_HEADING, '', readFileSync(TLS_SEPARATE, 'utf8').trim());
  if (profiles) parts.push('', '## Profiles', '', profileSection(profiles));
  const findings = join(BENCH_DIR, 'findings.md');
  if (existsSync(findings)) parts.push('', readFileSync(findings, 'utf8').trim());
  return `${parts.join('\n')}\n`;
}
