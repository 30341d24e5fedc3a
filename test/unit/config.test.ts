import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_BASE_URL, failOpenRequested, requireToken, resolveConfig } from '../../src/settings/config.js';
import { messageOf } from '../support/errors.js';

const PAT = 'pat-CONFIG-3c9e1b7a';


/**
 * Runs `fn` as if the process had started in `dir`. Test workers cannot chdir; path.resolve
 * asks process.cwd() for the folder a relative path starts from.
 */
function startedIn<T>(dir: string, fn: () => T): T {
  const cwd = vi.spyOn(process, 'cwd').mockReturnValue(dir);
  try {
    return fn();
  } finally {
    cwd.mockRestore();
  }
}

function envFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
  const file = join(dir, '.env');
  writeFileSync(file, text);
  return file;
}

describe('resolveConfig', () => {
  it('has the documented defaults', () => {
    const c = resolveConfig({ envFile: false }, { HOME: '/home/u' });
    expect(c).toMatchObject({
      pat: undefined,
      userId: 'me',
      baseUrl: DEFAULT_BASE_URL,
      timeout: 10_000,
      override: false,
      cacheTtl: 0,
      fallback: true,
      failOpen: false,
      debug: false,
      secrets: undefined,
    });
    expect(c.cacheDir).toMatch(/\.cache[/\\]clarifai-secrets$/);
    expect(resolveConfig({ envFile: false }, { XDG_CACHE_HOME: '/xdg' }).cacheDir).toBe(join('/xdg', 'clarifai-secrets'));
  });

  it('loads dotenv only for a .env file that names a CLARIFAI_ setting', () => {
    const require = createRequire(import.meta.url);
    const dotenv = require.resolve('dotenv');
    delete require.cache[dotenv];
    const plain = envFile('APP_KEY=app-value\nexport LOWER="clarifai_ is not one of ours"\n');
    expect(resolveConfig({}, { CLARIFAI_SECRETS_ENV_FILE: plain })).toMatchObject({ envFile: plain, userId: 'me', secrets: undefined });
    expect(require.cache[dotenv], 'dotenv loaded for a file with no setting').toBeUndefined();
    expect(resolveConfig({}, { CLARIFAI_SECRETS_ENV_FILE: envFile('export CLARIFAI_USER_ID=bob\n') }).userId).toBe('bob');
    expect(require.cache[dotenv]).toBeDefined();
  });

  it('ranks options over the environment over the .env file', () => {
    const file = envFile(
      'CLARIFAI_USER_ID=from-file\nCLARIFAI_SECRETS_TIMEOUT=3000\nCLARIFAI_SECRETS=FILE_A\nCONFIG_TEST_NOT_READ_7F3A=not-read-9b2c\n',
    );
    const env = { CLARIFAI_SECRETS_ENV_FILE: file, CLARIFAI_SECRETS_TIMEOUT: '2000' };
    const c = resolveConfig({}, env);
    expect(c.userId).toBe('from-file');
    expect(c.timeout).toBe(2000);
    expect(c.secrets).toBe('FILE_A');
    expect(c.envFile).toBe(file);
    expect(resolveConfig({ timeout: 1000, secrets: ['X', 'Y=y'] }, env)).toMatchObject({ timeout: 1000, secrets: 'X,Y=y' });
    // Nothing but settings comes out of the file: not into the process, not into the env
    // object given, not into the configuration.
    expect(process.env['CONFIG_TEST_NOT_READ_7F3A']).toBeUndefined();
    expect(env).not.toHaveProperty('CONFIG_TEST_NOT_READ_7F3A');
    expect(JSON.stringify(c)).not.toContain('not-read-9b2c');
  });

  it('accepts every documented boolean spelling and names the variable on a bad one', () => {
    for (const [text, value] of [['TRUE', true], ['1', true], ['yes', true], ['On', true], ['false', false], ['0', false], ['NO', false], ['off', false]] as const) {
      expect(resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_OVERRIDE: text }).override).toBe(value);
    }
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_FALLBACK: 'maybe' }))).toMatch(
      /^CLARIFAI_SECRETS_FALLBACK must be true\/false/,
    );
  });

  it('reads each boolean setting from its own variable, and each has its default', () => {
    const settings = [
      ['CLARIFAI_SECRETS_OVERRIDE', 'override', false],
      ['CLARIFAI_SECRETS_FALLBACK', 'fallback', true],
      ['CLARIFAI_SECRETS_FAIL_OPEN', 'failOpen', false],
      ['CLARIFAI_SECRETS_DEBUG', 'debug', false],
    ] as const;
    for (const [name, field, byDefault] of settings) {
      expect(resolveConfig({ envFile: false }, {})[field], `${field} by default`).toBe(byDefault);
      const config = resolveConfig({ envFile: false }, { [name]: byDefault ? 'false' : 'true' });
      for (const [, other, otherDefault] of settings) {
        expect(config[other], `${other} with ${name} set`).toBe(other === field ? !byDefault : otherDefault);
      }
    }
  });

  it('validates numbers and names the variable', () => {
    for (const bad of ['abc', '-1', '1.5', '0', '99999999']) {
      expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_TIMEOUT: bad }))).toMatch(
        /^CLARIFAI_SECRETS_TIMEOUT must be a whole number of milliseconds/,
      );
    }
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_TTL: '1h' }))).toMatch(
      /^CLARIFAI_SECRETS_CACHE_TTL must be a whole number of seconds/,
    );
    expect(resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_TTL: '0' }).cacheTtl).toBe(0);
    const file = envFile('CLARIFAI_SECRETS_CACHE_TTL=soon\n');
    expect(messageOf(() => resolveConfig({ envFile: file }, {}))).toMatch(/CLARIFAI_SECRETS_CACHE_TTL in .*\.env must/);
  });

  it('turns the disk copy off with any false spelling, or the option false', () => {
    for (const text of ['OFF', 'off', 'false', 'False', '0', 'no', ' No ']) {
      expect(resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_DIR: text }).cacheDir, text).toBeUndefined();
    }
    expect(resolveConfig({ envFile: false, cacheDir: false }, {}).cacheDir).toBeUndefined();
    const file = envFile('CLARIFAI_SECRETS_CACHE_DIR=false\n');
    expect(resolveConfig({ envFile: file }, {}).cacheDir).toBeUndefined();
  });

  it('keeps the default folder for a true spelling, and resolves any other text as a folder', () => {
    for (const text of ['on', 'TRUE', '1', 'yes']) {
      expect(resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_DIR: text, XDG_CACHE_HOME: '/xdg' }).cacheDir).toBe(
        join('/xdg', 'clarifai-secrets'),
      );
    }
    expect(resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_DIR: '/var/cache/cs' }).cacheDir).toBe('/var/cache/cs');
    expect(resolveConfig({ envFile: false, cacheDir: 'rel' }, {}).cacheDir).toBe(join(process.cwd(), 'rel'));
  });

  it('refuses to send the token over plain http except to loopback or on request', () => {
    for (const base of ['http://127.0.0.1:8787', 'http://localhost:1/', 'http://[::1]:9']) {
      expect(resolveConfig({ envFile: false, baseUrl: base }, {}).baseUrl).toBe(base.replace(/\/$/, ''));
    }
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_API_BASE: 'http://api.example.com' }))).toMatch(
      /plain http to a host that is not loopback.*CLARIFAI_SECRETS_ALLOW_HTTP/,
    );
    expect(
      resolveConfig({ envFile: false }, { CLARIFAI_API_BASE: 'http://emulator:8787', CLARIFAI_SECRETS_ALLOW_HTTP: 'true' }).baseUrl,
    ).toBe('http://emulator:8787');
    expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: 'ftp://x' }, {}))).toMatch(/http\(s\) URL/);
    expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: 'not a url' }, {}))).toMatch(/must be a URL/);
    expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: 'https://u:p@x' }, {}))).toMatch(/credentials/);
  });

  it('a base URL without a scheme is told to add one, the loopback address shown with http:// in front', () => {
    for (const [base, fixed] of [
      ['127.0.0.1:8787', 'http://127.0.0.1:8787'],
      ['localhost:8787', 'http://localhost:8787'],
      ['[::1]:8787/', 'http://[::1]:8787/'],
    ]) {
      expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_API_BASE: base }))).toBe(
        `CLARIFAI_API_BASE has no scheme: write ${fixed} (https:// for a server that is not on this machine)`,
      );
    }
    // Anything else is not echoed (a token pasted into the wrong variable), only told what is missing.
    const pasted = 'api.clarifai.com';
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_API_BASE: pasted }))).toBe(
      'CLARIFAI_API_BASE has no scheme: put https:// in front (http:// only for a server on this machine, like the emulator)',
    );
    const token = 'c0ffee1234567890abcdef1234567890';
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_API_BASE: token }))).not.toContain(token);
  });

  it('trims the token, refuses one with inner white space, and never echoes it', () => {
    expect(resolveConfig({ envFile: false }, { CLARIFAI_PAT: ` ${PAT}\n` }).pat).toBe(PAT);
    const message = messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT: `${PAT} extra` }));
    expect(message).not.toContain(PAT);
    expect(message).toMatch(/CLARIFAI_PAT contains white space/);
  });

  it('says how to get a token when there is none', () => {
    expect(messageOf(() => requireToken(resolveConfig({ envFile: false }, {})))).toMatch(/CLARIFAI_PAT is not set/);
    expect(requireToken(resolveConfig({ envFile: false }, { CLARIFAI_SESSION_TOKEN: 'sess' }))).toBe('sess');
  });

  it('refuses an env file it was told to read but cannot', () => {
    expect(messageOf(() => resolveConfig({ envFile: '/nonexistent/.env' }, {}))).toMatch(/cannot read the env file/);
  });

  it('refuses a user id that would change the path', () => {
    expect(messageOf(() => resolveConfig({ envFile: false, userId: '../x/y' }, {}))).toMatch(/user id/);
  });

  describe('a .env file says where a token goes only when the token is its own', () => {
    it('refuses a base URL or ALLOW_HTTP from the file when the token comes from the environment or an option', () => {
      const file = envFile('CLARIFAI_API_BASE=http://127.0.0.2:18802\nCLARIFAI_SECRETS_ALLOW_HTTP=true\n');
      const message = messageOf(() => resolveConfig({ envFile: file }, { CLARIFAI_PAT: PAT }));
      expect(message).toContain(`CLARIFAI_API_BASE in ${file}`);
      expect(message).not.toContain(PAT);
      expect(messageOf(() => resolveConfig({ envFile: file, pat: PAT }, {}))).toContain('the token comes from an option');
      const allowOnly = envFile('CLARIFAI_SECRETS_ALLOW_HTTP=true\n');
      expect(messageOf(() => resolveConfig({ envFile: allowOnly }, { CLARIFAI_SESSION_TOKEN: PAT }))).toContain(
        `CLARIFAI_SECRETS_ALLOW_HTTP in ${allowOnly}`,
      );
    });

    it('takes them when the token is in the same file, or when the environment overrides them', () => {
      const file = envFile(`CLARIFAI_PAT=${PAT}\nCLARIFAI_API_BASE=http://emulator:8787\nCLARIFAI_SECRETS_ALLOW_HTTP=true\n`);
      expect(resolveConfig({ envFile: file }, {}).baseUrl).toBe('http://emulator:8787');
      const baseOnly = envFile('CLARIFAI_API_BASE=http://127.0.0.2:18802\n');
      expect(resolveConfig({ envFile: baseOnly }, { CLARIFAI_PAT: PAT, CLARIFAI_API_BASE: 'http://127.0.0.1:1' }).baseUrl).toBe(
        'http://127.0.0.1:1',
      );
      expect(resolveConfig({ envFile: baseOnly, baseUrl: 'http://127.0.0.1:2' }, { CLARIFAI_PAT: PAT }).baseUrl).toBe('http://127.0.0.1:2');
      // No token at all: nothing can be sent, so nothing to refuse.
      expect(resolveConfig({ envFile: baseOnly }, {}).baseUrl).toBe('http://127.0.0.2:18802');
    });
  });

  it('never echoes a setting value long enough to be a token', () => {
    const token = '3f9c2b1ad4e84c6f9a7b0c1d2e3f4a5b';
    for (const [key, pattern] of [
      ['CLARIFAI_SECRETS_CACHE_TTL', /CACHE_TTL must be/],
      ['CLARIFAI_SECRETS_TIMEOUT', /TIMEOUT must be/],
      ['CLARIFAI_SECRETS_OVERRIDE', /OVERRIDE must be/],
      ['CLARIFAI_API_BASE', /must be a URL/],
    ] as const) {
      const message = messageOf(() => resolveConfig({ envFile: false }, { [key]: token }));
      expect(message).toMatch(pattern);
      expect(message).not.toContain(token.slice(0, 8));
    }
    const plain = messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_API_BASE: `http://${token}.example` }));
    expect(plain).not.toContain(token.slice(0, 8));
    // Short text still helps.
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_TTL: '1h' }))).toContain('"1h"');
  });

  it('keeps no disk copy, with a reason, when HOME is empty or relative', () => {
    for (const HOME of ['', 'relative/home', '.']) {
      const c = resolveConfig({ envFile: false }, { HOME });
      expect(c.cacheDir).toBeUndefined();
      expect(c.cacheWarning).toMatch(/HOME is not an absolute path/);
    }
    expect(resolveConfig({ envFile: false }, { HOME: '', XDG_CACHE_HOME: '/xdg' }).cacheDir).toBe(join('/xdg', 'clarifai-secrets'));
    expect(resolveConfig({ envFile: false }, {}).cacheDir).toMatch(/^\/.*clarifai-secrets$/);
  });
});

describe('the .env file of the folder the process starts in', () => {
  it('is read when it exists, and its absence is no error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-config-cwd-'));
    expect(startedIn(dir, () => resolveConfig({}, {}))).toMatchObject({ envFile: undefined, userId: 'me' });
    writeFileSync(join(dir, '.env'), 'CLARIFAI_USER_ID=from-cwd\n');
    expect(startedIn(dir, () => resolveConfig({}, {}))).toMatchObject({ envFile: join(dir, '.env'), userId: 'from-cwd' });
    // envFile: false reads none, even when there is one.
    expect(startedIn(dir, () => resolveConfig({ envFile: false }, {}))).toMatchObject({ envFile: undefined, userId: 'me' });
  });

  it('is refused, naming the reason, when it is there but cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-config-cwd-dir-'));
    mkdirSync(join(dir, '.env'));
    expect(messageOf(() => startedIn(dir, () => resolveConfig({}, {})))).toBe(
      `cannot read the env file ${join(dir, '.env')} (EISDIR): fix CLARIFAI_SECRETS_ENV_FILE or --env-file`,
    );
  });
});

describe('resolveConfig, each setting', () => {
  it('names the missing file and the error code', () => {
    expect(messageOf(() => resolveConfig({ envFile: '/nonexistent/.env' }, {}))).toBe(
      'cannot read the env file /nonexistent/.env (ENOENT): fix CLARIFAI_SECRETS_ENV_FILE or --env-file',
    );
  });

  it('takes an empty line of the file as unset, and an exported empty variable as set to its default', () => {
    const file = envFile('CLARIFAI_SECRETS_TIMEOUT=3000\nCLARIFAI_SECRETS_CACHE_TTL=\n');
    expect(resolveConfig({ envFile: file }, {})).toMatchObject({ timeout: 3000, cacheTtl: 0 });
    // Exported empty on purpose (or by CI for a missing secret): the file does not fill it in.
    expect(resolveConfig({ envFile: file }, { CLARIFAI_SECRETS_TIMEOUT: '', CLARIFAI_SECRETS_CACHE_TTL: '' })).toMatchObject({
      timeout: 10_000,
      cacheTtl: 0,
    });
  });

  it('trims the white space around numbers, switches, user ids and URLs', () => {
    expect(
      resolveConfig(
        { envFile: false },
        {
          CLARIFAI_SECRETS_TIMEOUT: ' 3000 ',
          CLARIFAI_SECRETS_OVERRIDE: ' yes\n',
          CLARIFAI_USER_ID: ' alice ',
          // A no-break space, as a copy from a web page leaves it.
          CLARIFAI_API_BASE: ' https://api.example.com\u00a0',
        },
      ),
    ).toMatchObject({ timeout: 3000, override: true, userId: 'alice', baseUrl: 'https://api.example.com' });
    expect(resolveConfig({ envFile: false, userId: ' bob ' }, {}).userId).toBe('bob');
  });

  it('reads the debug switch', () => {
    expect(resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_DEBUG: '1' }).debug).toBe(true);
  });

  it('names the option, not a variable, when an option is wrong', () => {
    expect(messageOf(() => resolveConfig({ envFile: false, timeout: 0 }, {}))).toBe(
      'option timeout must be a whole number of milliseconds from 1 to 600000, got "0"',
    );
    expect(messageOf(() => resolveConfig({ envFile: false, cacheTtl: -1 }, {}))).toMatch(/^option cacheTtl must be a whole number of seconds/);
    expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: 'ftp://x' }, {}))).toMatch(/^--api-base must be an http\(s\) URL/);
    expect(messageOf(() => resolveConfig({ envFile: false, userId: 'a/b' }, {}))).toMatch(/^--user-id is not a user id the API could mean/);
    const file = envFile('CLARIFAI_USER_ID=a/b\n');
    expect(messageOf(() => resolveConfig({ envFile: file }, {}))).toMatch(new RegExp(`^CLARIFAI_USER_ID in ${file} is not a user id the API could mean`));
  });

  it('quotes setting text up to 12 characters, and only says how long longer text is', () => {
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_TTL: ' soon ' }))).toMatch(/, got "soon"$/);
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_TTL: 'twelve-chars' }))).toMatch(/, got "twelve-chars"$/);
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SECRETS_CACHE_TTL: 'thirteen-char' }))).toMatch(
      /, got a value of 13 characters \(not shown, as it could be a token\)$/,
    );
  });

  it('treats a token of white space alone as no token', () => {
    expect(resolveConfig({ envFile: false }, { CLARIFAI_PAT: '   ' }).pat).toBeUndefined();
    expect(requireToken(resolveConfig({ envFile: false }, { CLARIFAI_PAT: ' \t', CLARIFAI_SESSION_TOKEN: 'sess' }))).toBe('sess');
  });

  it('names the session token variable when that token holds white space', () => {
    expect(messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_SESSION_TOKEN: `${PAT} x` }))).toMatch(
      /^CLARIFAI_SESSION_TOKEN contains white space/,
    );
  });

  it('says where to create a token', () => {
    expect(messageOf(() => requireToken(resolveConfig({ envFile: false }, {})))).toBe(
      'CLARIFAI_PAT is not set: create a personal access token at https://clarifai.com/settings/security and export CLARIFAI_PAT',
    );
  });
});

describe('the API base URL', () => {
  it('accepts every loopback spelling over plain http', () => {
    for (const base of ['http://app.localhost:8787', 'http://127.10.20.30:1', 'http://127.0.0.255']) {
      expect(resolveConfig({ envFile: false, baseUrl: base }, {}).baseUrl).toBe(base);
    }
  });

  it('refuses a host that only starts like a loopback address', () => {
    for (const base of ['http://127.0.0.1.example.com', 'http://localhost.example.com']) {
      expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: base }, {}))).toMatch(/plain http to a host that is not loopback/);
    }
  });

  it('refuses a user name, a query or a fragment', () => {
    for (const base of ['https://user@api.example.com', 'https://api.example.com/?a=1', 'https://api.example.com/#x']) {
      expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: base }, {}))).toMatch(/must not carry credentials, a query or a fragment/);
    }
  });

  it('refuses a base that ends in /v2, and keeps one with v2 inside its path', () => {
    expect(messageOf(() => resolveConfig({ envFile: false, baseUrl: 'https://gw.example/v2/' }, {}))).toMatch(/must not end in \/v2/);
    expect(resolveConfig({ envFile: false, baseUrl: 'https://gw.example/v2/clarifai' }, {}).baseUrl).toBe('https://gw.example/v2/clarifai');
  });

  it('drops every trailing slash', () => {
    expect(resolveConfig({ envFile: false, baseUrl: 'https://gw.example/clarifai///' }, {}).baseUrl).toBe('https://gw.example/clarifai');
  });
});

describe('a .env file that says where a token goes', () => {
  it('names the setting to remove, the file, and where the token came from', () => {
    const file = envFile('CLARIFAI_API_BASE=http://127.0.0.2:18802\n');
    expect(messageOf(() => resolveConfig({ envFile: file }, { CLARIFAI_PAT: PAT }))).toBe(
      `CLARIFAI_API_BASE in ${file} is not used: the token comes from the environment, and a .env file may only say where ` +
        `to send a token it holds itself; remove CLARIFAI_API_BASE from ${file}, or set CLARIFAI_API_BASE in the environment`,
    );
  });

  it('is overruled by the allowInsecureHttp option, which then leaves nothing to refuse', () => {
    const file = envFile('CLARIFAI_SECRETS_ALLOW_HTTP=true\n');
    expect(resolveConfig({ envFile: file, allowInsecureHttp: false }, { CLARIFAI_PAT: PAT }).allowInsecureHttp).toBe(false);
  });
});

describe('the default cache folder', () => {
  it('names what to set when there is no absolute home folder', () => {
    expect(resolveConfig({ envFile: false }, { HOME: 'relative' }).cacheWarning).toBe(
      'no last-known-good copy is kept: HOME is not an absolute path (it is empty or relative); ' +
        'set HOME, or CLARIFAI_SECRETS_CACHE_DIR to a private folder',
    );
  });

  it("keeps no copy without HOME when the account's home folder is not absolute", () => {
    // The account database (what os.userInfo reads) may hold an empty or relative folder.
    const os = createRequire(import.meta.url)('node:os') as typeof import('node:os');
    for (const homedir of ['', 'relative']) {
      const userInfo = vi.spyOn(os, 'userInfo').mockReturnValue({ ...os.userInfo(), homedir });
      try {
        const c = resolveConfig({ envFile: false }, {});
        expect(c.cacheDir, homedir).toBeUndefined();
        expect(c.cacheWarning).toMatch(/HOME is not an absolute path/);
      } finally {
        userInfo.mockRestore();
      }
    }
  });
});

describe('failOpenRequested', () => {
  it('reads fail-open on its own, from the option or any true spelling of the variable', () => {
    expect(failOpenRequested({ failOpen: true }, {})).toBe(true);
    expect(failOpenRequested({ failOpen: false }, { CLARIFAI_SECRETS_FAIL_OPEN: 'true' })).toBe(false);
    expect(failOpenRequested({}, { CLARIFAI_SECRETS_FAIL_OPEN: ' ON ' })).toBe(true);
    expect(failOpenRequested({}, { CLARIFAI_SECRETS_FAIL_OPEN: 'off' })).toBe(false);
    expect(failOpenRequested({}, {})).toBe(false);
    // Even when the rest of the configuration cannot be resolved.
    expect(failOpenRequested({}, { CLARIFAI_SECRETS_FAIL_OPEN: '1', CLARIFAI_SECRETS_TIMEOUT: 'soon' })).toBe(true);
  });
});

describe('an exported empty CLARIFAI_PAT', () => {
  const file = (): string => envFile(`CLARIFAI_PAT=${PAT}\nCLARIFAI_API_BASE=https://evil.example\nCLARIFAI_SECRETS=A\n`);

  it('is an error saying it is empty, not a reason to take the .env file\'s token and server', () => {
    expect(messageOf(() => resolveConfig({ envFile: file() }, { CLARIFAI_PAT: '' }))).toMatch(/^CLARIFAI_PAT is set but empty/);
    expect(messageOf(() => resolveConfig({ envFile: file() }, { CLARIFAI_PAT: '  ' }))).toMatch(/^CLARIFAI_PAT is set but empty/);
  });

  it('says so when a token is needed, and is no error where none is (a marker start)', () => {
    const config = resolveConfig({ envFile: envFile(`CLARIFAI_PAT=${PAT}\n`) }, { CLARIFAI_PAT: '' });
    expect(config.pat).toBeUndefined();
    expect(messageOf(() => requireToken(config))).toMatch(/^CLARIFAI_PAT is set but empty/);
  });
});

describe('CLARIFAI_PAT_FILE', () => {
  const tokenFile = (text: string): string => {
    const path = join(mkdtempSync(join(tmpdir(), 'cs-patfile-')), 'pat');
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  it('reads the token from the file, one trailing newline ignored, as a token from the environment', () => {
    expect(resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: tokenFile(`${PAT}\n`) }).pat).toBe(PAT);
    expect(resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: tokenFile(`${PAT}\r\n`) }).pat).toBe(PAT);
    expect(resolveConfig({ envFile: false, patFile: tokenFile(PAT) }, {}).pat).toBe(PAT);
    // The token is the environment's: a .env file may not say where it goes.
    const dotEnv = envFile('CLARIFAI_API_BASE=https://evil.example\n');
    expect(messageOf(() => resolveConfig({ envFile: dotEnv }, { CLARIFAI_PAT_FILE: tokenFile(PAT) }))).toMatch(/is not used: the token comes from the environment/);
  });

  it('refuses both a token and a token file, an empty file, white space inside, and a file that is not one, never echoing the token', () => {
    const path = tokenFile(PAT);
    const messages = [
      messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT: PAT, CLARIFAI_PAT_FILE: path })),
      messageOf(() => resolveConfig({ envFile: false, pat: PAT, patFile: path }, {})),
      messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: tokenFile('') })),
      messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: tokenFile(`${PAT}\n\n`) })),
      messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: tokenFile(`${PAT} ${PAT}`) })),
      messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: '/nonexistent/pat' })),
      messageOf(() => resolveConfig({ envFile: false }, { CLARIFAI_PAT_FILE: tmpdir() })),
    ];
    expect(messages[0]).toMatch(/CLARIFAI_PAT and CLARIFAI_PAT_FILE are both set/);
    expect(messages[1]).toMatch(/pat and patFile are both set/);
    expect(messages[2]).toMatch(/is empty/);
    expect(messages[3]).toMatch(/white space or control characters/);
    expect(messages[4]).toMatch(/white space or control characters/);
    expect(messages[5]).toMatch(/cannot read CLARIFAI_PAT_FILE \/nonexistent\/pat \(ENOENT\)/);
    expect(messages[6]).toMatch(/is not a regular file/);
    for (const message of messages) expect(message).not.toContain(PAT);
  });

  it('is never taken from a .env file, which could send your token file to its own server', () => {
    const dotEnv = envFile(`CLARIFAI_PAT_FILE=${tokenFile(PAT)}\nCLARIFAI_API_BASE=https://evil.example\n`);
    expect(messageOf(() => resolveConfig({ envFile: dotEnv }, {}))).toMatch(/^CLARIFAI_PAT_FILE in .* is not used: a \.env file may not name a file/);
  });
});

describe('what a .env file may choose', () => {
  it('marks a selection from the file, not one from the environment or an option', () => {
    const dotEnv = envFile('CLARIFAI_SECRETS=NODE_OPTIONS=opts\n');
    expect(resolveConfig({ envFile: dotEnv }, {}).secretsFromFile).toBe(true);
    expect(resolveConfig({ envFile: dotEnv }, { CLARIFAI_SECRETS: 'A' }).secretsFromFile).toBe(false);
    expect(resolveConfig({ envFile: dotEnv, secrets: 'A' }, {}).secretsFromFile).toBe(false);
  });

  it("keeps the file's reference lines and nothing else of the app's", () => {
    const dotEnv = envFile('OPENAI_API_KEY=clarifai://secrets/openai\nPLAIN=value\nNODE_OPTIONS=clarifai://secrets/x\n');
    expect(resolveConfig({ envFile: dotEnv }, {}).fileReferences).toEqual([
      ['OPENAI_API_KEY', 'clarifai://secrets/openai'],
      ['NODE_OPTIONS', 'clarifai://secrets/x'],
    ]);
  });
});
