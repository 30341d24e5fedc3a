/**
 * Which secret ids the emulator accepts. Clarifai's real rule is unknown; public ids fit
 * `[A-Za-z0-9_-]`, and we accept more (dots, any Unicode) so the loader's name mapping gets
 * exercised. What cannot work in a URL path segment or a terminal is refused.
 */

const MAX_ID_LENGTH = 256;

// C0 controls, DEL and C1 controls.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `id` is not acceptable, or undefined when it is. */
export function invalidIdReason(id: string): string | undefined {
  if (id === '') return 'a secret id must not be empty';
  if ([...id].length > MAX_ID_LENGTH) return `a secret id must be at most ${MAX_ID_LENGTH} characters`;
  if (id.includes('/')) return 'a secret id must not contain "/"';
  if (CONTROL.test(id)) return 'a secret id must not contain control characters';
  return undefined;
}
