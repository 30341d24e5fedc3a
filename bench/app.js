// The app every command starts (CommonJS, and valid ESM as app.mjs): it counts the BENCH_
// variables it was given and, on exit, reports that count, its own peak RSS in KiB and
// the CPU time (user + system, µs) of its whole process, worker threads included.
let n = 0;
for (const key in process.env) if (key.startsWith('BENCH_')) n++;
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ n, rss: process.resourceUsage().maxRSS, cpu: user + system })}\n`);
});
