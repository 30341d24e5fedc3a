/**
 * The README, CONTRIBUTING.md and the guides in docs/ say only what the package does:
 *
 * - every shell block marked ```sh runnable runs, in order, one folder per document (as a
 *   reader following it would), against the emulator started as the document says
 *   (`clarifai-secrets emulator`, on a free port instead of 8787), with the built package
 *   installed in that folder; a block followed by a ```text output block prints exactly that;
 * - every `clarifai-secrets COMMAND --flag` the documents (and the folders' READMEs: src/*,
 *   examples/*, ...) name, in a code block or a code span, is a command of the CLI and a flag
 *   of that command's help;
 * - every link in them resolves: relative links to files (and headings) of this repository; the
 *   README's only to files the package ships or to absolute URLs, so they work on the
 *   registry's page too;
 * - no file of the repository cites a design or protocol document it does not contain.
 *
 * `npx` in a runnable block is a shell function that runs the folder's own bin, as npx would
 * find it there (so no block reaches the network). Blocks that need what this machine cannot
 * give (Docker, Kubernetes, GitHub Actions, a real Clarifai account, the recipe tools, which
 * test/integrations runs) are not marked runnable.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Project, CLI, REPO_ROOT, makeProject } from '../support/package-link.js';
import { baseEnv } from '../support/spawn.js';
import { exec, watch } from './helpers.js';

const DOCUMENTS = [
  'README.md',
  'CONTRIBUTING.md',
  ...readdirSync(join(REPO_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
/** The folders' own READMEs: their commands and links are checked too (none is marked runnable). */
const FOLDER_READMES = execFileSync('git', ['ls-files', '*/README.md'], { cwd: REPO_ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((file) => file !== '' && file !== 'bench/README.md');
const read = (doc: string): string => readFileSync(join(REPO_ROOT, doc), 'utf8');

/** The repository's address on GitHub, as package.json's `repository` names it. */
const REPOSITORY = 'https://github.com/clarifai/clarifai-secrets';
const EMULATOR_URL_IN_DOCS = 'http://127.0.0.1:8787';

interface Block {
  info: string;
  text: string;
  line: number;
}

/** Fenced code blocks, dedented by their fence's indentation (blocks inside list items). */
function blocksOf(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(.*)$/.exec(lines[i] ?? '');
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^\s*```\s*$/.test(lines[j] ?? '')) body.push((lines[j] ?? '').slice(indent)), j++;
    blocks.push({ info: (open[2] ?? '').trim(), text: body.join('\n') + (body.length > 0 ? '\n' : ''), line: i + 1 });
    i = j;
  }
  return blocks;
}

/** The document without its fenced blocks: prose, tables and code spans. */
function proseOf(markdown: string): string {
  return markdown.replace(/^\s*```.*\n[\s\S]*?^\s*```\s*$/gm, '');
}

/** The top-level help, and each command's, from the built CLI. */
const help = (args: string[]): string => execFileSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

describe('every command and flag the documents name exists', () => {
  const top = help(['--help']);
  const commands = new Set(
    [...(top.split('\nCommands:\n')[1] ?? '').split('\n\n')[0]!.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1] as string),
  );
  commands.add('help');
  const helpOf = new Map<string, string>();
  const helpFor = (command: string): string => {
    if (!commands.has(command)) return '';
    if (!helpOf.has(command)) helpOf.set(command, command === 'help' ? top : help([command, '--help']));
    return helpOf.get(command) as string;
  };

  it('the CLI lists its commands', () => {
    expect([...commands]).toEqual(expect.arrayContaining(['run', 'get', 'list', 'create', 'update', 'delete', 'push', 'pull', 'types', 'doctor', 'emulator']));
  });

  /** Command lines naming the bin, from code blocks (continuation lines joined) and code spans. */
  function commandLines(markdown: string): string[] {
    const fromBlocks = blocksOf(markdown).flatMap((block) => block.text.replace(/\\\n\s*/g, ' ').replace(/\n\s+(?=\[)/g, ' ').split('\n'));
    const fromSpans = [...proseOf(markdown).matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);
    return [...fromBlocks, ...fromSpans].filter((line) => /(^|[\s"'(=])clarifai-secrets\s/.test(line));
  }

  /** [command, flags] for each use of the bin in one line. */
  function uses(line: string): Array<[string, string[]]> {
    const found: Array<[string, string[]]> = [];
    // A comment ends the line; a pipe inside [..] is an alternative, not a pipeline.
    const code = line.replace(/\s#\s.*$/, '').replace(/\[[^\]]*\]/g, (group) => group.replace(/\|/g, ' '));
    for (const part of code.split(/\s*(?:\|\||&&|[|;]|\$\(|\))\s*/)) {
      const words = part.split(/\s+/).filter((word) => word !== '');
      // The bin's name, not the package's (`npx -p clarifai-secrets clarifai-secrets emulator`).
      const at = words.findIndex((word, i) => word.replace(/^["'(]+/, '') === 'clarifai-secrets' && words[i + 1] !== 'clarifai-secrets');
      if (at === -1) continue;
      const command = words[at + 1];
      if (command === undefined || !/^[a-z]/.test(command)) continue; // `clarifai-secrets --help`, `clarifai-secrets ...`
      const flags: string[] = [];
      let previousTakesValue = false;
      for (const word of words.slice(at + 2)) {
        if (word === '--') break;
        const flag = /^\[?(--[a-z][a-z-]*)/.exec(word)?.[1];
        if (flag) {
          flags.push(flag);
          previousTakesValue = new RegExp(`${flag}[ =][A-Z]`).test(helpFor(command));
          continue;
        }
        // `run`'s command starts at the first word that is not one of its options.
        if (command === 'run' && !previousTakesValue && !word.startsWith('[')) break;
        previousTakesValue = false;
      }
      found.push([command, flags]);
    }
    return found;
  }

  for (const doc of [...DOCUMENTS, ...FOLDER_READMES]) {
    it(doc, () => {
      const wrong: string[] = [];
      for (const line of commandLines(read(doc))) {
        for (const [command, flags] of uses(line)) {
          if (!commands.has(command)) {
            wrong.push(`unknown command "${command}" in: ${line}`);
            continue;
          }
          for (const flag of flags) {
            if (!new RegExp(`(^|[\\s,\\[])${flag}\\b`, 'm').test(helpFor(command)) && !new RegExp(`(^|\\s)${flag}\\b`, 'm').test(top)) {
              wrong.push(`"${command}" has no flag ${flag} (in: ${line})`);
            }
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});

/** GitHub's anchor for a heading. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
const anchorsOf = (markdown: string): Set<string> =>
  new Set([...proseOf(markdown).matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1] as string)));

/** Files the published package holds: package.json's `files`, and what npm always adds. */
function shipped(path: string): boolean {
  const files = (JSON.parse(read('package.json')) as { files: string[] }).files;
  return ['package.json', 'README.md', 'LICENSE'].includes(path) || files.some((entry) => path === entry || path.startsWith(`${entry}/`));
}

describe('every link resolves', () => {
  it('package.json names the repository the absolute links point into', () => {
    const { repository } = JSON.parse(read('package.json')) as { repository?: { url?: string } };
    expect(repository?.url).toBe(`git+${REPOSITORY}.git`);
  });

  for (const doc of [...DOCUMENTS, ...FOLDER_READMES]) {
    it(doc, () => {
      const markdown = read(doc);
      const prose = proseOf(markdown);
      const targets = [
        ...[...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string),
        ...[...prose.matchAll(/^\[[^\]]+\]: (\S+)/gm)].map((m) => m[1] as string),
      ];
      const wrong: string[] = [];
      for (const target of targets) {
        let path: string;
        const [where = '', anchor] = target.split('#');
        if (/^https?:/.test(where)) {
          const ours = new RegExp(`^${REPOSITORY}/(?:blob|tree)/main/(.+)$`).exec(where);
          if (!ours) continue; // another site
          path = ours[1] as string;
        } else if (where === '') {
          path = doc;
        } else {
          if (/^[a-z]+:/.test(where)) continue; // mailto: and the like
          path = relative(REPO_ROOT, resolve(REPO_ROOT, dirname(doc), where));
          // The registry's page shows the README away from the repository: only shipped files resolve there.
          if (doc === 'README.md' && !shipped(path)) wrong.push(`${target}: README links to repository files must be absolute (${REPOSITORY}/blob/main/...)`);
        }
        const file = join(REPO_ROOT, path);
        if (!existsSync(file)) {
          wrong.push(`${target}: no ${path}`);
          continue;
        }
        if (anchor !== undefined && statSync(file).isFile() && path.endsWith('.md') && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
          wrong.push(`${target}: no heading #${anchor} in ${path}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe('no file cites a document the repository does not contain', () => {
  // Built so that this file does not match itself.
  const cited = ['DESIGN', 'CLARIFAI_API'].map((name) => `${name}.md`);
  // bench/README.md is generated by bench/report.mjs, whose text is the bench's to change.
  const generated = new Set(['bench/README.md', 'bench/report.mjs']);
  const self = relative(REPO_ROOT, new URL(import.meta.url).pathname);

  it('the design and protocol notes kept outside the repository are cited nowhere', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: REPO_ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file !== '' && !file.startsWith('test/reports/') && !/package-lock\.json$/.test(file) && !generated.has(file) && file !== self);
    const citing: string[] = [];
    for (const file of files) {
      const path = join(REPO_ROOT, file);
      if (!existsSync(path) || !statSync(path).isFile() || statSync(path).size > 2_000_000) continue;
      const text = readFileSync(path, 'utf8');
      for (const name of cited) if (text.includes(name)) citing.push(`${file} cites ${name}`);
    }
    expect(citing).toEqual([]);
  });
});

describe('the runnable blocks run', () => {
  const runnable = DOCUMENTS.filter((doc) => blocksOf(read(doc)).some((block) => block.info === 'sh runnable'));

  it('the README has some, so a newcomer\'s first commands are tested', () => {
    expect(runnable).toContain('README.md');
  });

  for (const doc of runnable) {
    describe(doc, () => {
      let project: Project;
      let emulator: ReturnType<typeof watch>;
      let url: string;
      let state: string;
      let env: Record<string, string | undefined>;
      const blocks = blocksOf(read(doc));

      beforeAll(async () => {
        project = makeProject('cs-docs-');
        const home = join(project.dir, '.home');
        mkdirSync(home);
        state = join(mkdtempSync(join(tmpdir(), 'cs-docs-state-')), 'exports.sh');
        env = baseEnv({ PATH: `${join(project.dir, 'node_modules', '.bin')}:${process.env['PATH']}`, HOME: home });
        // The emulator as the document starts it (a block marked ```sh emulator), else as
        // its prose says: `npx clarifai-secrets emulator`.
        const start = blocks.find((block) => block.info === 'sh emulator')?.text.trim() ?? 'npx clarifai-secrets emulator';
        const words = start.split(/\s+/);
        expect(words.slice(0, 3)).toEqual(['npx', 'clarifai-secrets', 'emulator']);
        emulator = watch(join(project.dir, 'node_modules', '.bin', 'clarifai-secrets'), [...words.slice(2), '--port', '0'], { cwd: project.dir, env });
        await emulator.waitFor('\n');
        url = emulator.stdout().split('\n')[0] as string;
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      });
      afterAll(async () => {
        emulator?.child.kill('SIGINT');
        await emulator?.done;
        project?.remove();
        if (state) rmSync(dirname(state), { recursive: true, force: true });
      });

      blocks.forEach((block, index) => {
        if (block.info !== 'sh runnable') return;
        it(`the block at line ${block.line}`, async () => {
          const script = [
            'set -e',
            'npx() { "$@"; }',
            `[ ! -f '${state}' ] || . '${state}'`,
            block.text.replaceAll(EMULATOR_URL_IN_DOCS, url),
            `export -p > '${state}'`,
          ].join('\n');
          const ran = await exec('sh', ['-c', script], { cwd: project.dir, env, killAfterMs: 60_000 });
          expect(ran.code, `exit code; stderr: ${ran.stderr}`).toBe(0);
          expect(ran.stderr, 'a stack trace').not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
          const next = blocks[index + 1];
          if (next?.info === 'text output') expect(ran.stdout).toBe(next.text);
        }, 90_000);
      });
    });
  }
});
