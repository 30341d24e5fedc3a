// The app every command starts (CommonJS, and valid ESM as app.mjs): it counts the BENCH_
// variables it was given and, on exit, reports that count, its own peak RSS in KiB and
// the CPU time (user + system, µs) of its whole process, worker threads included.
// With SCALE_EXPECT=N (the scale run) it checks BENCH_S00001 ... BENCH_S<N> on a sample of
// at most 200 names instead: enumerating an environment of 10,000 variables takes Node
// ~200 ms (each access scans the whole environment), which is not the preload's cost.
// The app's first line, on the monotonic clock the harness shares (startup = spawn to here).
const firstLine = process.hrtime.bigint();
let n = 0;
const expect = Number(process.env.SCALE_EXPECT);
if (expect > 0) {
  const name = (i) => `BENCH_S${String(i).padStart(5, '0')}`;
  const step = Math.max(1, Math.floor(expect / 200));
  let sampled = 0;
  let present = 0;
  for (let i = 1; i <= expect; i += step) {
    sampled++;
    if (process.env[name(i)] !== undefined) present++;
  }
  const last = process.env[name(expect)] !== undefined;
  const beyond = process.env[name(expect + 1)] !== undefined;
  n = present === sampled && last && !beyond ? expect : present;
} else {
  for (const key in process.env) if (key.startsWith('BENCH_')) n++;
}
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ n, rss: process.resourceUsage().maxRSS, cpu: user + system, first: String(firstLine) })}\n`);
});
