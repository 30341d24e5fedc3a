/**
 * `clarifai-secrets emulator`: runs the local Clarifai-compatible server until SIGINT or
 * SIGTERM. The base URL goes alone on the first line of stdout (so scripts can read it);
 * everything else goes to stderr, and the token's value never does.
 */
import { parseArgs } from 'node:util';
import { invalidHostNameReason } from '../emulator/host-check.js';
import { startEmulator, type Emulator } from '../emulator/index.js';

const DEFAULT_PORT = 8787;
const DEFAULT_HOST = '127.0.0.1';
const DEFAULT_PAT = 'emulator-pat';
const DEFAULT_USER = 'emulator-user';
const PREFIX = 'clarifai-secrets emulator';

const USAGE = `Usage: clarifai-secrets emulator [options]

Runs a local server that speaks Clarifai's secrets API, for development and CI.
Prints its base URL on stdout, logs one line per request on stderr, stops on Ctrl-C.
Open the URL in a browser to manage the secrets on a page (sign in with the token).

Options:
  --port N       port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H       interface to listen on (default ${DEFAULT_HOST}, loopback only)
  --allow-host NAME
                 also answer requests sent to NAME (repeatable), e.g. a container's service
                 name; by default only localhost, loopback addresses and --host are answered
  --data FILE    keep secrets in FILE across restarts (mode 0600); default: in memory
  --pat TOKEN    the token to accept (default "${DEFAULT_PAT}")
  --user ID      the user id that owns the token and answers to "me" (default "${DEFAULT_USER}")
  --help         show this help

Then point the client at it:
  CLARIFAI_API_BASE=http://${DEFAULT_HOST}:${DEFAULT_PORT} CLARIFAI_PAT=${DEFAULT_PAT} clarifai-secrets list
`;

export interface EmulatorCommandIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Stops the server like SIGINT does (for tests and embedding). */
  signal?: AbortSignal | undefined;
}

class UsageError extends Error {}

interface Settings {
  port: number;
  host: string;
  data: string | undefined;
  pat: string | undefined;
  user: string;
  allowHosts: string[];
}

function parse(argv: string[]): Settings | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        data: { type: 'string' },
        pat: { type: 'string' },
        user: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Never echo a stray argument: it could be a token typed in the wrong place.
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError('this command takes no positional arguments');
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  let port = DEFAULT_PORT;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) throw new UsageError('--port must be a number from 0 to 65535');
    port = Number(values.port);
  }
  const host = values.host ?? DEFAULT_HOST;
  if (host === '') throw new UsageError('--host must not be empty');
  if (values.data === '') throw new UsageError('--data needs a file name');
  if (values.pat !== undefined && !/^[\x21-\x7e]+$/.test(values.pat)) {
    throw new UsageError('--pat must be printable ASCII without spaces');
  }
  const user = values.user ?? DEFAULT_USER;
  if (user === '' || user === 'me' || user.includes('/')) throw new UsageError('--user must be a user id (not empty, not "me", no "/")');
  const allowHosts = values['allow-host'] ?? [];
  for (const name of allowHosts) {
    const reason = invalidHostNameReason(name);
    if (reason) throw new UsageError(`--allow-host: ${reason}`);
  }
  return { port, host, data: values.data, pat: values.pat, user, allowHosts };
}

export async function emulatorCommand(
  argv: string[],
  io: EmulatorCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let settings: Settings | 'help';
  try {
    settings = parse(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${PREFIX}: ${error.message} (see --help)\n`);
    return 2;
  }
  if (settings === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }

  const pat = settings.pat ?? DEFAULT_PAT;
  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      port: settings.port,
      host: settings.host,
      allowedHosts: settings.allowHosts,
      data: settings.data,
      pats: { [pat]: settings.user },
      users: { [settings.user]: [] },
      log: (line) => io.stderr.write(`${PREFIX}: ${line}\n`),
      // Nobody reads the request log of a long-running CLI server: keep no bodies in memory.
      maxRecordedRequests: 0,
    });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    const message =
      err.code === 'EADDRINUSE'
        ? `port ${settings.port} on ${settings.host} is in use: pick another with --port`
        : err.code === 'EADDRNOTAVAIL'
          ? `cannot listen on ${settings.host}: no such local address`
          : err.message;
    io.stderr.write(`${PREFIX}: ${message}\n`);
    return 1;
  }

  io.stdout.write(`${emulator.url}\n`);
  const patShown = settings.pat === undefined ? DEFAULT_PAT : '<the --pat value>';
  io.stderr.write(
    [
      `${PREFIX}: listening on ${emulator.url}`,
      `  user:  ${emulator.defaultUserId} (also "me")`,
      `  token: ${settings.pat === undefined ? `${DEFAULT_PAT} (the default; choose one with --pat)` : 'set by --pat'}`,
      `  data:  ${settings.data === undefined ? 'in memory, gone when stopped (keep it with --data FILE)' : settings.data}`,
      `  use:   CLARIFAI_API_BASE=${emulator.url} CLARIFAI_PAT=${patShown}`,
      `  page:  open ${emulator.url}/ in a browser and sign in with the token`,
      '  stop:  Ctrl-C',
      '',
    ].join('\n'),
  );

  await waitForStop(io.signal);
  await emulator.close();
  io.stderr.write(`${PREFIX}: stopped\n`);
  return 0;
}

function waitForStop(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop);
  });
}
