// Not a preload: how long writing N variables into process.env takes by itself (each write
// is a setenv(3) that scans and copies the whole environment). Prints {"ms": ...}.
const n = Number(process.argv[2]);
const names = [];
const values = [];
for (let i = 1; i <= n; i++) {
  names.push(`BENCH_S${String(i).padStart(5, '0')}`);
  values.push(`sk-bench-${String(i).padStart(6, '0')}-${'x'.repeat(32)}`);
}
// The first write pays one-time setup; it is not part of the cost per variable.
process.env.ENV_SET_WARM_UP = '1';
const started = process.hrtime.bigint();
for (let i = 0; i < n; i++) process.env[names[i]] = values[i];
// Read the clock before touching process.stdout, whose first use builds the stream.
const ms = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(`${JSON.stringify({ ms })}\n`);
