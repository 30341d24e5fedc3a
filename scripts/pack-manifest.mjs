// The packed package.json carries no `prepare`. npm runs `prepare` to build an install from
// git (dist/ is not in the repository; npm runs no other script there), so the repository's
// manifest keeps it; but in a tarball it is dead weight that npm 11 still lists, at every
// tarball install, as an install script awaiting approval. npm has no setting that leaves a
// script out of a pack, so `prepack` takes it out of package.json (`strip`) and `postpack`
// puts it back (`restore`), byte for byte (the file is written as JSON.stringify(_, null, 2)).
// A pack that fails in between leaves the stripped file: `restore` (or git) mends it.
import { readFileSync, writeFileSync } from 'node:fs';

const FILE = new URL('../package.json', import.meta.url);
const PREPARE = 'npm run build';

const text = readFileSync(FILE, 'utf8');
const manifest = JSON.parse(text);
const write = (value) => writeFileSync(FILE, `${JSON.stringify(value, null, 2)}\n`);
const mode = process.argv[2];

if (mode === 'strip') {
  // Only the exact script `restore` puts back, so the round trip cannot change it.
  if (manifest.scripts.prepare !== PREPARE) throw new Error(`scripts.prepare is not "${PREPARE}": update scripts/pack-manifest.mjs`);
  if (`${JSON.stringify(manifest, null, 2)}\n` !== text) throw new Error('package.json is not formatted as JSON.stringify(_, null, 2) writes it');
  delete manifest.scripts.prepare;
  write(manifest);
} else if (mode === 'restore') {
  if (manifest.scripts.prepare === undefined) {
    // Back in its place, right after `build`.
    const scripts = {};
    for (const [name, script] of Object.entries(manifest.scripts)) {
      scripts[name] = script;
      if (name === 'build') scripts.prepare = PREPARE;
    }
    write({ ...manifest, scripts });
  }
} else {
  throw new Error('usage: node scripts/pack-manifest.mjs strip|restore');
}
