import { describe, expect, it } from 'vitest';
import { messageOf } from '../support/errors.js';
import {
  describeUnfit,
  envNameFor,
  envUnfit,
  isSelected,
  MAX_ENV_STRING_BYTES,
  namedIdsToGet,
  parseSelection,
  resolveSelection,
} from '../../src/settings/selection.js';
import { EXEC_HOOK_FAMILIES, isExecHookName } from '../../src/settings/exec-hooks.js';
import { looksLikeValue, quoted } from '../../src/settings/printable.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/package-link.js';

const SECURITY_GUIDE = readFileSync(join(REPO_ROOT, 'docs', 'security.md'), 'utf8');

const found = (entries: Record<string, string>) => new Map(Object.entries(entries));


describe('parseSelection', () => {
  it('treats unset and * as every secret', () => {
    expect(parseSelection(undefined, 'me').all).toBe(true);
    expect(parseSelection('', 'me').all).toBe(true);
    expect(parseSelection(' * ', 'me').all).toBe(true);
    expect(parseSelection('A', 'me').all).toBe(false);
  });

  it('reads ID, NAME=ID, optional and prefix entries, split by commas or white space', () => {
    const s = parseSelection('OPENAI_KEY, DB=db-url?\n  STRIPE_*\tplain-id', 'me');
    expect(s.prefixes).toEqual(['STRIPE_']);
    expect(s.named).toEqual([
      { id: 'db-url', name: 'DB', optional: true, mapped: true },
      { id: 'OPENAI_KEY', name: 'OPENAI_KEY', optional: false, mapped: false },
      { id: 'plain-id', name: 'plain_id', optional: false, mapped: false },
    ]);
  });

  it("accepts Clarifai's users/<user>/secrets/<id> reference for the configured user", () => {
    expect(parseSelection('K=users/me/secrets/openai-key', 'me').named[0]?.id).toBe('openai-key');
    expect(parseSelection('K=users/alice/secrets/x', 'alice').named[0]?.id).toBe('x');
    expect(messageOf(() => parseSelection('K=users/bob/secrets/x', 'alice'))).toMatch(/user "bob"/);
  });

  it('gives the same key to the same selection in any order', () => {
    expect(parseSelection('A,B=b,C*', 'me').key).toBe(parseSelection('C*  B=b A', 'me').key);
    expect(parseSelection('A', 'me').key).not.toBe(parseSelection('A?', 'me').key);
    // Skipped as dangerous when named alone, set when mapped on purpose: two selections.
    expect(parseSelection('NODE_OPTIONS', 'me').key).not.toBe(parseSelection('NODE_OPTIONS=NODE_OPTIONS', 'me').key);
  });

  it('makes an entry asked for twice required if either is required', () => {
    expect(parseSelection('A?,A', 'me').named).toEqual([{ id: 'A', name: 'A', optional: false, mapped: false }]);
  });

  it.each([
    ['=x', /invalid env name/],
    ['A=', /no secret id/],
    ['?', /no secret id/],
    ['A=b=c', /more than one "="/],
    ['A?b', /"\?" that is not at its end/],
    ['1A=b', /invalid env name/],
    ['A=b*c', /"\*" that is not at its end/],
    ['A=b*', /PREFIX\*/],
    ['A?*', /PREFIX\*/],
    ['A=ok,A=other', /"ok" and "other" would both set A/],
  ])('refuses %j with a clear ERR_CONFIG', (text, message) => {
    expect(messageOf(() => parseSelection(text, 'me'))).toMatch(message);
  });

  it('refuses absurd lists and entries', () => {
    expect(messageOf(() => parseSelection('A,'.repeat(10_001), 'me'))).toMatch(/more than 10000/);
    expect(messageOf(() => parseSelection('x'.repeat(2000), 'me'))).toMatch(/longer than 1024/);
  });
});

describe('names', () => {
  it('maps ids that are not env names', () => {
    expect(envNameFor('openai-key')).toBe('openai_key');
    expect(envNameFor('a.b/c')).toBe('a_b_c');
    expect(envNameFor('1password')).toBe('_1password');
    expect(envNameFor('ключ')).toBe('____');
  });

  it('knows names that change how a process runs', () => {
    for (const name of ['NODE_OPTIONS', 'LD_PRELOAD', 'DYLD_INSERT_LIBRARIES', 'PATH', 'path', 'HOME', 'CLARIFAI_PAT']) {
      expect(isExecHookName(name)).toBe(true);
    }
    expect(isExecHookName('OPENAI_API_KEY')).toBe(false);
  });

  it('knows the hooks that make common children run code or trust another server', () => {
    const hooks = [
      'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_ASKPASS', 'GIT_SSH',
      'GIT_PAGER', 'GIT_EDITOR', 'GIT_DIR', 'SSH_ASKPASS', 'JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', '_JAVA_OPTIONS',
      'DOTNET_STARTUP_HOOKS', 'CORECLR_PROFILER_PATH', 'COR_PROFILER', 'GOFLAGS', 'GOTOOLCHAIN', 'SSLKEYLOGFILE',
      'LESSOPEN', 'BROWSER', 'OPENSSL_CONF', 'PYTHONWARNINGS', 'PERL5DB', 'LUA_INIT', 'RUSTC_WRAPPER', 'KUBECONFIG',
      'ZDOTDIR', 'GLIBC_TUNABLES', 'npm_config_script_shell',
    ];
    expect(hooks.filter((name) => !isExecHookName(name))).toEqual([]);
    // Common secret names stay loadable.
    for (const name of ['NODE_AUTH_TOKEN', 'SSH_PRIVATE_KEY', 'GOOGLE_API_KEY', 'DATABASE_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'STRIPE_SECRET_KEY', 'GO_API_KEY', 'CCTV_URL']) {
      expect(isExecHookName(name)).toBe(false);
    }
  });

  it('covers the names the third trust review found set under the default *', () => {
    const found = [
      'GNUMAKEFLAGS', 'VIMINIT', 'EXINIT', 'CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER', 'CARGO_BUILD_RUSTC_WRAPPER',
      'XDG_CONFIG_HOME', 'AWS_CONFIG_FILE', 'SUDO_EDITOR', 'RSYNC_RSH', 'CMAKE_C_COMPILER_LAUNCHER', 'CMAKE_CXX_COMPILER_LAUNCHER',
      'COMPILER_PATH', 'CGO_CFLAGS', 'CGO_LDFLAGS', 'PIP_INDEX_URL', 'PIP_PROXY', 'PIP_TRUSTED_HOST', 'UV_INDEX_URL', 'UV_DEFAULT_INDEX',
      'ACTIONS_ALLOW_UNSECURE_COMMANDS', 'RUNNER_TEMP', 'GITHUB_ENV', 'GITHUB_PATH',
      // Credentials inside a family's prefix: mapped on purpose with NAME=ID, like any hook name.
      'GITHUB_TOKEN', 'CARGO_REGISTRY_TOKEN',
    ];
    expect(found.filter((name) => !isExecHookName(name))).toEqual([]);
  });

  it.each(Object.entries(EXEC_HOOK_FAMILIES))('family %s: every name and prefix is guarded, in any case, says why, and the security guide lists it', (family, { reason, names = [], prefixes = [] }) => {
    expect(reason.length).toBeGreaterThan(20);
    const row = SECURITY_GUIDE.split('\n').find((line) => line.startsWith(`| ${family} |`)) ?? '';
    expect(row, `docs/security.md has no row for ${family}`).not.toBe('');
    for (const prefix of prefixes) expect(row).toContain(`\`${prefix}*\``);
    for (const name of names) expect(row).toContain(`\`${name}\``);
    expect(row).toContain(reason);
    expect(names.length + prefixes.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(name).toBe(name.toUpperCase());
      expect(isExecHookName(name), name).toBe(true);
      expect(isExecHookName(name.toLowerCase()), name).toBe(true);
    }
    for (const prefix of prefixes) {
      expect(prefix).toBe(prefix.toUpperCase());
      expect(isExecHookName(`${prefix}ANYTHING_LATER`), prefix).toBe(true);
      expect(isExecHookName(`${prefix.toLowerCase()}x`), prefix).toBe(true);
      expect(isExecHookName(`X${prefix}`), prefix).toBe(false);
    }
  });
});

describe('resolveSelection', () => {
  it('loads everything under normalised names, skipping dangerous ones', () => {
    const r = resolveSelection(parseSelection('*', 'me'), found({ 'openai-key': 'v1', NODE_OPTIONS: 'v2', B: 'v3' }));
    expect(r.entries).toEqual([['B', 'v3'], ['openai_key', 'v1']]);
    expect(r.dangerous).toEqual(['NODE_OPTIONS']);
  });

  it('sets a dangerous name only when mapped explicitly', () => {
    const mapped = resolveSelection(parseSelection('NODE_OPTIONS=opts', 'me'), found({ opts: '--x' }));
    expect(mapped.entries).toEqual([['NODE_OPTIONS', '--x']]);
    const bare = resolveSelection(parseSelection('NODE_OPTIONS', 'me'), found({ NODE_OPTIONS: '--x' }));
    expect(bare.entries).toEqual([]);
    expect(bare.dangerous).toEqual(['NODE_OPTIONS']);
  });

  it('lists every missing id, required and optional apart', () => {
    const r = resolveSelection(parseSelection('A,B,C?,D=d', 'me'), found({ A: '1' }));
    expect(r.missingRequired).toEqual(['B', 'd']);
    expect(r.missing).toEqual(['C']);
  });

  it('loads an explicitly named id only under its name, even with *', () => {
    const r = resolveSelection(parseSelection('*,KEY=openai-key', 'me'), found({ 'openai-key': 'v', other: 'o' }));
    expect(r.entries).toEqual([['KEY', 'v'], ['other', 'o']]);
  });

  it('refuses two ids that land on one name, naming both', () => {
    expect(messageOf(() => resolveSelection(parseSelection('*', 'me'), found({ 'a-b': '1', a_b: '2' })))).toMatch(
      /"a-b" and "a_b" would both set a_b|"a_b" and "a-b" would both set a_b/,
    );
  });

  it('keeps prefix matches only', () => {
    const r = resolveSelection(parseSelection('STRIPE_*', 'me'), found({ STRIPE_KEY: 's', OTHER: 'o' }));
    expect(r.entries).toEqual([['STRIPE_KEY', 's']]);
  });
});

describe('fetch plan', () => {
  it('uses GETs for one or two named ids, the list otherwise', () => {
    expect(namedIdsToGet(parseSelection('A', 'me'))).toEqual(['A']);
    expect(namedIdsToGet(parseSelection('A,X=B?', 'me'))).toEqual(['A', 'B']);
    expect(namedIdsToGet(parseSelection('A,B,C', 'me'))).toBeUndefined();
    expect(namedIdsToGet(parseSelection('A,P*', 'me'))).toBeUndefined();
    expect(namedIdsToGet(parseSelection('*', 'me'))).toBeUndefined();
  });
});

describe('values an env var cannot hold', () => {
  it('refuses a required value with a NUL byte, naming the id, instead of loading half of it', () => {
    const message = messageOf(() => resolveSelection(parseSelection('GOOD,bad-one', 'me'), found({ GOOD: 'ok', 'bad-one': 'left\0right' })), 'ERR_INVALID_VALUE');
    expect(message).toMatch(/^secret "bad-one" \(holds a NUL byte\) cannot be loaded/);
    expect(message).not.toContain('left');
  });

  it('skips one reached through * or marked optional, naming it for one warning', () => {
    const r = resolveSelection(parseSelection('*,opt?', 'me'), found({ GOOD: 'ok', 'bad-one': 'left\0right', opt: 'x\0' }));
    expect(r.entries).toEqual([['GOOD', 'ok']]);
    expect(r.unfit).toEqual([
      { id: 'bad-one', name: 'bad_one', why: 'nul' },
      { id: 'opt', name: 'opt', why: 'nul' },
    ]);
    expect(describeUnfit(r.unfit ?? [])).toMatch(/^not loaded: "bad-one" \(holds a NUL byte\), "opt" \(holds a NUL byte\), as an environment variable cannot hold/);
    expect(resolveSelection(parseSelection('*', 'me'), found({ GOOD: 'ok' })).unfit).toBeUndefined();
  });

  it('draws the size line where Linux does: NAME=value and its NUL in 128 KiB', () => {
    const room = MAX_ENV_STRING_BYTES - 'BIG='.length - 1;
    expect(envUnfit('BIG', 'x'.repeat(room))).toBeUndefined();
    expect(envUnfit('BIG', 'x'.repeat(room + 1))).toBe(MAX_ENV_STRING_BYTES + 1);
    // Bytes, not characters: a 3-byte character counts 3.
    expect(envUnfit('BIG', '€'.repeat(Math.floor(room / 3)))).toBeUndefined();
    expect(envUnfit('BIG', '€'.repeat(Math.floor(room / 3) + 1))).toBeGreaterThan(MAX_ENV_STRING_BYTES);
    const big = 'v'.repeat(200 * 1024);
    expect(messageOf(() => resolveSelection(parseSelection('BIG', 'me'), found({ BIG: big })), 'ERR_INVALID_VALUE')).toMatch(
      /^secret "BIG" \(201 KiB\) cannot be loaded, as .*E2BIG.*NAME=@ID in CLARIFAI_SECRETS/,
    );
    expect(resolveSelection(parseSelection('*', 'me'), found({ BIG: big, OK: 'ok' })).unfit).toEqual([{ id: 'BIG', name: 'BIG', why: 200 * 1024 + 5 }]);
  });

  it('keeps newlines, quotes and unicode as they are', () => {
    const value = 'line1\nline2 "q" \'s\' $HOME #x ünïcødé 🔑';
    expect(resolveSelection(parseSelection('K', 'me'), found({ K: value })).entries).toEqual([['K', value]]);
  });
});

describe('parseSelection, edge by edge', () => {
  it('takes a users/<user>/secrets/<id> reference only whole', () => {
    // Anything else with a "/" is no id the API could mean.
    expect(messageOf(() => parseSelection('K=v1/users/me/secrets/x', 'me'))).toMatch(/names an id the API could not mean/);
    expect(messageOf(() => parseSelection('K=users/me/secrets/x/y', 'me'))).toMatch(/names an id the API could not mean/);
    // `me` is whoever the token belongs to, whatever user id is configured.
    expect(parseSelection('K=users/me/secrets/x', 'alice').named[0]?.id).toBe('x');
  });

  it.each(['X=..', '..', 'X=.', 'X=a%2Fb', 'X=a#b', 'X=50%'])('refuses %j, an id the API could not mean, before any request', (text) => {
    expect(messageOf(() => parseSelection(text, 'me'))).toMatch(/names an id the API could not mean/);
  });

  it('refuses a control character in an id or a renamed prefix', () => {
    expect(messageOf(() => parseSelection('A\u0001B', 'me'))).toBe('CLARIFAI_SECRETS entry "A\\u0001B" has a control character');
    expect(messageOf(() => parseSelection('*=p\u0001-*', 'me'))).toBe('CLARIFAI_SECRETS entry "*=p\\u0001-*" has a control character');
  });

  it('quotes an entry of up to 60 characters whole, and the start of a longer one', () => {
    const why = 'has a "?" that is not at its end';
    const sixty = `X=${'b'.repeat(56)}?x`;
    expect(sixty).toHaveLength(60);
    expect(messageOf(() => parseSelection(sixty, 'me'))).toBe(`CLARIFAI_SECRETS entry "${sixty}" ${why}`);
    const long = `X=${'c'.repeat(57)}?x`;
    expect(messageOf(() => parseSelection(long, 'me'))).toBe(`CLARIFAI_SECRETS entry "${long.slice(0, 57)}..." ${why}`);
  });

  it('takes up to 10000 entries of up to 1024 characters each', () => {
    expect(parseSelection(Array.from({ length: 10_000 }, (_, i) => `K${i}`).join(','), 'me').named).toHaveLength(10_000);
    expect(parseSelection(`NAME=${'x'.repeat(256)}`, 'me').named[0]?.id).toHaveLength(256);
    expect(messageOf(() => parseSelection('x'.repeat(257), 'me'))).toMatch(/at most 256 characters/);
    expect(messageOf(() => parseSelection('x'.repeat(1025), 'me'))).toMatch(/longer than 1024/);
  });

  it('makes an entry required when it is asked for as required first, then as optional', () => {
    expect(parseSelection('A,A?', 'me').named).toEqual([{ id: 'A', name: 'A', optional: false, mapped: false }]);
    expect(parseSelection('A?,A?', 'me').named).toEqual([{ id: 'A', name: 'A', optional: true, mapped: false }]);
  });

  it('drops prefixes under *, and keys prefixes in any order alike', () => {
    expect(parseSelection('P*, *', 'me').prefixes).toEqual([]);
    expect(parseSelection('Q*, P*', 'me').prefixes).toEqual(['P', 'Q']);
    // The key names the copy on disk: it stays what it was from one version to the next.
    expect(parseSelection('Q*, P*', 'me').key).toBe(JSON.stringify([false, ['P', 'Q'], []]));
  });

  it('gives two selections that map one dangerous name to different secrets different keys', () => {
    expect(parseSelection('NODE_OPTIONS=a', 'me').key).not.toBe(parseSelection('NODE_OPTIONS=b', 'me').key);
    expect(parseSelection('NODE_OPTIONS=NODE_OPTIONS', 'me').key).toBe(JSON.stringify([false, [], [['NODE_OPTIONS', 'NODE_OPTIONS', false, true]]]));
  });
});

describe('isSelected', () => {
  it('keeps the values of named ids and drops the others', () => {
    const selection = parseSelection('A, K=b', 'me');
    expect(isSelected(selection, 'A')).toBe(true);
    expect(isSelected(selection, 'b')).toBe(true);
    expect(isSelected(selection, 'K')).toBe(false);
    expect(isSelected(selection, 'C')).toBe(false);
  });
});

describe('resolveSelection, lists and messages', () => {
  it('lists missing ids and skipped names sorted', () => {
    const r = resolveSelection(parseSelection('A=z-id?, B=a-id?, C=y-id, D=b-id', 'me'), found({}));
    expect(r.missing).toEqual(['a-id', 'z-id']);
    expect(r.missingRequired).toEqual(['b-id', 'y-id']);
    expect(resolveSelection(parseSelection('*', 'me'), found({ PATH: '/x', HOME: '/h' })).dangerous).toEqual(['HOME', 'PATH']);
  });

  it('refuses a wildcard secret landing on a name a named entry sets', () => {
    expect(messageOf(() => resolveSelection(parseSelection('*, KEY=openai-key', 'me'), found({ 'openai-key': 'v', KEY: 'w' })))).toMatch(
      /"openai-key" and "KEY" would both set KEY/,
    );
  });

  it('names every required secret holding a NUL byte, sorted', () => {
    const message = messageOf(() => resolveSelection(parseSelection('b-one,a-one,ok', 'me'), found({ 'b-one': 'x\0', 'a-one': '\0y', ok: 'fine' })), 'ERR_INVALID_VALUE');
    expect(message).toBe(
      'secrets "a-one" (holds a NUL byte), "b-one" (holds a NUL byte) cannot be loaded, as an environment variable cannot hold a NUL byte ' +
        '(Node would cut the value short) or more than 128 KiB (every program started with it would fail with E2BIG): ' +
        'load such a value as a file instead (NAME=@ID in CLARIFAI_SECRETS: NAME then holds its path), update the value, or leave it out of CLARIFAI_SECRETS',
    );
  });
});

describe('ids that look like values', () => {
  it('are told by a known key prefix, or by length and randomness, and ordinary ids are not', () => {
    for (const value of ['sk-proj-abcdefgh12345678', 'ghp_abcdefghijklmnop1234', 'AKIAABCDEFGHIJKLMNOP', 'xoxb-1234-5678-abcdefgh', 'Zq8Lr2Vx9Kp4Nw7Hj3Tb6Ym1Cf5Gd0Se', '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b']) {
      expect(looksLikeValue(value), value).toBe(true);
      expect(quoted(value)).not.toContain(value);
    }
    for (const id of ['OPENAI_API_KEY', 'prod-DATABASE_URL', 'stripe-webhook-signing-secret', 'sk', 'my-service-2025-staging-database-url']) {
      expect(looksLikeValue(id), id).toBe(false);
      expect(quoted(id)).toBe(`"${id}"`);
    }
  });
});
