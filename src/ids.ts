/**
 * Which secret ids and user ids can mean anything to the API. Each is one segment of a URL
 * path (`/v2/users/USER/secrets/ID`), so `..` would climb out of it (`/v2/users/me/secrets/..`
 * is the list), `/` would add a segment, `?` and `#` end the path, `%` starts an escape that
 * a proxy or server may decode, and white space and control characters cannot be told apart
 * in a terminal. Shared by the selection, references, the client, the CLI and the emulator,
 * so nothing is sent, stored or served that another part refuses.
 */

/** Longer ids are refused by the emulator, and by the client before any request. */
export const MAX_ID_LENGTH = 256;

// White space (any Unicode space), C0, DEL and C1 controls, and the URL's own delimiters.
const REFUSED = /[\s\u0000-\u001f\u007f-\u009f/?#%]/u;

/**
 * Why `id` is not one the API could mean, or undefined when it is. `kind` names it in the
 * message ("secret id", "user id"). Never quotes the id: the caller decides how to show it.
 */
export function idProblem(id: string, kind: 'secret id' | 'user id' = 'secret id'): string | undefined {
  if (id === '') return `a ${kind} must not be empty`;
  if (id === '.' || id === '..') return `a ${kind} must not be "." or ".."`;
  if ([...id].length > MAX_ID_LENGTH) return `a ${kind} must be at most ${MAX_ID_LENGTH} characters`;
  if (REFUSED.test(id)) return `a ${kind} must not hold "/", "?", "#", "%", white space or control characters`;
  return undefined;
}
