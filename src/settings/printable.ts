/**
 * Text from elsewhere (a secret id from the server, a server's own words) inside our
 * messages. A raw ESC or a bidi override would let a hostile server drive the terminal or
 * disguise what a message says, so control characters are shown as escapes.
 */

// C0, DEL, C1, and the invisible format characters that reorder or hide text.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** The text with every control or format character written as `\uXXXX`. */
export function escapeControls(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Where well-known credentials start: an id that starts so is a value pasted in the wrong place. */
const KEY_PREFIX =
  /^(?:(?:sk|pk|rk)[-_]|gh[pousr]_|github_pat_|glpat-|xox[abposr]-|(?:AKIA|ASIA)[0-9A-Z]{12}|AIza|ya29\.|eyJ|npm_|pypi-|hf_|dop_v1_|SG\.|-----BEGIN)/;

/** Bits per character of `text`: ids are words, generated keys are close to their alphabet's maximum. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * Whether `text`, given as an id, looks like a secret value pasted there instead
 * (`CLARIFAI_SECRETS=OPENAI_API_KEY=sk-proj-...`): a well-known key prefix, or long and
 * random. Such text is not echoed, as other settings that could be a token are not.
 */
export function looksLikeValue(text: string): boolean {
  if (text.length < 16) return false;
  if (KEY_PREFIX.test(text)) return true;
  if (text.length < 32 || /\s/.test(text)) return false;
  // Hex (a digest, an API key) or mixed-case letters and digits spread evenly (base62, base64).
  return /^[0-9a-f]+$/i.test(text) ? /\d/.test(text) && /[a-f]/i.test(text) : /\d/.test(text) && /[a-z]/.test(text) && /[A-Z]/.test(text) && entropy(text) >= 4;
}

/** How an id that looks like a value is named instead. */
export function unshownId(text: string): string {
  return `<an id of ${text.length} characters, not shown as it looks like a secret value>`;
}

/** An id for a message: in double quotes, escaped, and clipped when very long; never one that looks like a value. */
export function quoted(text: string, max = 100): string {
  if (looksLikeValue(text)) return unshownId(text);
  const clipped = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return `"${escapeControls(clipped.replace(/["\\]/g, '\\$&'))}"`;
}
