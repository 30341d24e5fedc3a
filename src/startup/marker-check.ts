/**
 * What the register files ask first when `CLARIFAI_SECRETS_LOADED` is set: whether the marker
 * covers this process, decided from the environment and the `.env` file's text alone, so a
 * child of a process that loaded (a `NODE_OPTIONS` tree, test-runner workers, `npm run`
 * chains, a worker thread given the preload) starts without compiling the library. Built as
 * its own bundle of a few KB (dist/marker.*). It answers yes only when it is sure; on any
 * doubt it answers no and the full preload decides, as it always did.
 */
import { MARKED_SETTINGS, MARKER, envFileMatters, parseMarker, REFERENCE_SCHEME, settingsPart, sha256Hex } from '../settings/marker.js';
import { WORKER_ENV } from '../load/sync-protocol.js';
import { MAX_ENV_FILE_BYTES, readRegularFile } from '../settings/regular-file.js';

/** The `.env` file's text as the library would read it: null when there is none to read or it gives nothing; undefined when unsure. */
function envFileText(env: NodeJS.ProcessEnv): string | null | undefined {
  const named = env['CLARIFAI_SECRETS_ENV_FILE'] || undefined;
  const file = process.getBuiltinModule('node:path').resolve(named ?? '.env');
  try {
    // Never waits on a FIFO planted as `.env`: anything but a regular file is the library's to report.
    const text = readRegularFile(file, MAX_ENV_FILE_BYTES);
    return envFileMatters(text) ? text : null;
  } catch (error) {
    // A missing default file is no file; a named one that cannot be read is the library's error to report.
    return !named && (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : undefined;
  }
}

export function markerCoversThisProcess(): boolean {
  try {
    const env = process.env;
    const marker = parseMarker(env[MARKER]);
    if (!marker) return false;
    // The package's own sync worker, and debug mode's report line: the library's to handle.
    if (env[WORKER_ENV] || env['CLARIFAI_SECRETS_DEBUG']) return false;
    // A reference of this process's own is still to be resolved.
    if (Object.values(env).some((value) => value !== undefined && REFERENCE_SCHEME.test(value))) return false;
    const text = envFileText(env);
    if (text === undefined || text?.includes('CLARIFAI_SECRETS_DEBUG')) return false;
    const texts = MARKED_SETTINGS.map((key) => env[key] ?? null);
    return settingsPart(texts, text === null ? null : sha256Hex(text)) === marker.settings;
  } catch {
    return false;
  }
}
