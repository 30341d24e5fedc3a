/**
 * `clarifai-secrets emulator`: runs the local Clarifai-compatible server until SIGINT or
 * SIGTERM. The base URL goes alone on the first line of stdout (so scripts can read it);
 * everything else goes to stderr, and the token's value never does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { invalidHostNameReason } from '../emulator/host-check.js';
import { servesOtherMachines } from '../emulator/emulator.js';
import { startEmulator, type Emulator } from '../emulator/index.js';
import { HelpRequested, type Spec, UsageError, parseCommand } from './args.js';
import { declareCommand } from './command.js';

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
  --host H       interface to listen on (default ${DEFAULT_HOST}, loopback only); one that other
                 machines reach (0.0.0.0, ::, a LAN address) needs --pat
  --allow-host NAME
                 also answer requests sent to NAME (repeatable), e.g. a container's service
                 name; by default only localhost, loopback addresses and --host are answered
  --data FILE    keep secrets in FILE across restarts (mode 0600); default: in memory
  --pat TOKEN    the token to accept (default "${DEFAULT_PAT}", on loopback only)
  --user ID      the user id that owns the token and answers to "me" (default "${DEFAULT_USER}")
  --tls          serve HTTPS with a certificate of its own (made at start for localhost,
                 127.0.0.1, ::1, --host and --allow-host names); its certificate (never the
                 key) is written to a file named at start: clients trust it with
                 NODE_EXTRA_CA_CERTS=<that file>
  --tls-cert FILE --tls-key FILE
                 serve HTTPS with this certificate and private key (PEM) instead
  --latency MS   behave as if MS milliseconds of round-trip time away: TCP connect, each TLS
                 flight and each request pay one round trip (default 0)
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

interface Settings {
  port: number;
  host: string;
  data: string | undefined;
  pat: string | undefined;
  user: string;
  allowHosts: string[];
  /** `own`: a certificate made at start; `files`: the PEM files given. */
  tls: 'own' | { certFile: string; keyFile: string } | undefined;
  latencyMs: number;
}

// No --api-base or --user-id: it is the API, not a client of one.
const SPEC = {
  port: { type: 'string' },
  host: { type: 'string' },
  'allow-host': { type: 'string', multiple: true },
  data: { type: 'string' },
  pat: { type: 'string' },
  user: { type: 'string' },
  tls: { type: 'boolean' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  latency: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Spec;

function parse(argv: string[]): Settings {
  const { values, positionals } = parseCommand(argv, SPEC);
  // Never echo a stray argument: it could be a token typed in the wrong place.
  if (positionals.length > 0) throw new UsageError('this command takes no positional arguments');
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
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together: give both files, or --tls alone');
  if (certFile === '' || keyFile === '') throw new UsageError('--tls-cert and --tls-key need file names');
  const tls = certFile !== undefined && keyFile !== undefined ? { certFile, keyFile } : values.tls ? 'own' : undefined;
  let latencyMs = 0;
  if (values.latency !== undefined) {
    if (!/^\d{1,5}$/.test(values.latency) || Number(values.latency) > 60_000) throw new UsageError('--latency must be a number of milliseconds from 0 to 60000');
    latencyMs = Number(values.latency);
  }
  return { port, host, data: values.data, pat: values.pat, user, allowHosts, tls, latencyMs };
}

/** The key and certificate named by --tls-key and --tls-cert; a file that cannot be read is a one-line error. */
function readTlsFiles(files: { certFile: string; keyFile: string }): { key: Buffer; cert: Buffer } {
  const read = (flag: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`cannot read ${flag} ${file}${code ? ` (${code})` : ''}`);
    }
  };
  return { cert: read('--tls-cert', files.certFile), key: read('--tls-key', files.keyFile) };
}

/** The settings, or the exit code of a usage error or `--help` once its text is written. */
async function settingsOf(argv: string[], io: EmulatorCommandIo): Promise<Settings | number> {
  try {
    const settings = parse(argv);
    // Checked before anything listens: the default token is public, so on an interface other
    // machines reach, anyone there could read and change the secrets.
    if ((settings.pat === undefined || settings.pat === DEFAULT_PAT) && (await servesOtherMachines(settings.host))) {
      throw new UsageError(`--host ${settings.host} serves other machines and the default token is public: pass --pat with a token of your own`);
    }
    return settings;
  } catch (error) {
    // Here rather than in the dispatcher: in-process callers get it on their own streams.
    if (error instanceof HelpRequested) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (!(error instanceof UsageError)) throw error;
    // Its own prefix, like every line it writes, rather than the dispatcher's.
    io.stderr.write(`${PREFIX}: ${error.message} (see ${PREFIX} --help)\n`);
    return 2;
  }
}

/** The command with its output in `io`: the bin runs it on the process's streams, tests in-process. */
export async function emulatorCommand(
  argv: string[],
  io: EmulatorCommandIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const settings = await settingsOf(argv, io);
  if (typeof settings === 'number') return settings;
  let tlsFiles: { key: Buffer; cert: Buffer } | undefined;
  try {
    tlsFiles = typeof settings.tls === 'object' ? readTlsFiles(settings.tls) : undefined;
  } catch (error) {
    // The flags were right, so a failure (1) with no pointer to --help.
    io.stderr.write(`${PREFIX}: ${(error as Error).message}\n`);
    return 1;
  }

  let emulator: Emulator;
  try {
    emulator = await startEmulator({
      port: settings.port,
      host: settings.host,
      allowedHosts: settings.allowHosts,
      data: settings.data,
      pats: { [settings.pat ?? DEFAULT_PAT]: settings.user },
      users: { [settings.user]: [] },
      log: (line) => io.stderr.write(`${PREFIX}: ${line}\n`),
      // Nobody reads the request log of a long-running CLI server: keep no bodies in memory.
      maxRecordedRequests: 0,
      tls: tlsFiles ?? settings.tls === 'own',
      latencyMs: settings.latencyMs,
    });
  } catch (error) {
    io.stderr.write(`${PREFIX}: ${startFailure(error as NodeJS.ErrnoException, settings)}\n`);
    return 1;
  }

  // The certificate (public) goes to a file of its own so that clients can trust it; the key stays in memory.
  const certDir = settings.tls === 'own' ? mkdtempSync(join(tmpdir(), 'clarifai-secrets-emulator-')) : undefined;
  const certFile = certDir === undefined ? undefined : join(certDir, 'certificate.pem');
  if (certFile !== undefined) writeFileSync(certFile, emulator.certificate as string, { mode: 0o644 });

  io.stdout.write(`${emulator.url}\n`);
  io.stderr.write(banner(emulator, settings, certFile));

  await waitForStop(io.signal);
  await emulator.close();
  if (certDir !== undefined) rmSync(certDir, { recursive: true, force: true });
  io.stderr.write(`${PREFIX}: stopped\n`);
  return 0;
}

/** Why the server did not start, in one line that says what to change. */
function startFailure(err: NodeJS.ErrnoException, settings: Settings): string {
  if (err.code === 'EADDRINUSE') return `port ${settings.port} on ${settings.host} is in use: pick another with --port`;
  if (err.code === 'EADDRNOTAVAIL') return `cannot listen on ${settings.host}: no such local address`;
  if (typeof settings.tls === 'object') {
    return `cannot serve HTTPS with --tls-cert ${settings.tls.certFile} and --tls-key: ${err.message} (both must be PEM, and the key must be the certificate's)`;
  }
  return err.message;
}

/** What stderr says once the server listens: where, as whom, and how to point a client at it. Never the token. */
function banner(emulator: Emulator, settings: Settings, certFile: string | undefined): string {
  const trust = certFile === undefined ? '' : `NODE_EXTRA_CA_CERTS=${certFile} `;
  const tlsLine =
    certFile !== undefined
      ? `  tls:   a certificate of its own, in ${certFile} (deleted when stopped); clients trust it with NODE_EXTRA_CA_CERTS=${certFile}`
      : typeof settings.tls === 'object'
        ? `  tls:   ${settings.tls.certFile}; clients must trust its issuer (NODE_EXTRA_CA_CERTS=/path/to/ca.pem)`
        : undefined;
  const patShown = settings.pat === undefined ? DEFAULT_PAT : '<the --pat value>';
  return [
    `${PREFIX}: listening on ${emulator.url}`,
    `  user:  ${emulator.defaultUserId} (also "me")`,
    `  token: ${settings.pat === undefined ? `${DEFAULT_PAT} (the default; choose one with --pat)` : 'set by --pat'}`,
    `  data:  ${settings.data === undefined ? 'in memory, gone when stopped (keep it with --data FILE)' : settings.data}`,
    ...(tlsLine ? [tlsLine] : []),
    ...(settings.latencyMs > 0 ? [`  latency: ${settings.latencyMs} ms per round trip (TCP connect, each TLS flight, each request)`] : []),
    `  use:   ${trust}CLARIFAI_API_BASE=${emulator.url} CLARIFAI_PAT=${patShown}`,
    `  page:  open ${emulator.url}/ in a browser and sign in with the token${certFile !== undefined ? ' (the browser warns that it does not know this certificate: it is the one above)' : ''}`,
    '  stop:  Ctrl-C',
    '',
  ].join('\n');
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

export const emulator = declareCommand('emulator', { usage: USAGE, options: SPEC, main: (argv) => emulatorCommand(argv) });
