// @ts-check
/**
 * Mutation testing, run through test/mutate.mjs (`npm run mutate`), which runs one module at
 * a time and sets the report and incremental files per module. The machine is shared:
 * concurrency 2, and incremental mode reuses the last run's results for mutants whose code
 * and tests did not change (a result Stryker would only compute again).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.ts' },
  // `mutate` comes from test/mutate.mjs, one module per run.
  coverageAnalysis: 'perTest',
  concurrency: 2,
  timeoutMS: 3_000,
  // A static mutant (a module-level constant) can only be tested by reloading every module
  // and rerunning every test: hours on this machine for the few the modules hold. Stryker
  // reports them as ignored, outside the score.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: process.env.STRYKER_INCREMENTAL ?? 'test/reports/latest/mutation/incremental.json',
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: process.env.STRYKER_REPORT ?? 'test/reports/latest/mutation/report.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
