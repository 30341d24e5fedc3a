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

/** An id for a message: in double quotes, escaped, and clipped when very long. */
export function quoted(text: string, max = 100): string {
  const clipped = text.length > max ? `${text.slice(0, max - 3)}...` : text;
  return `"${escapeControls(clipped.replace(/["\\]/g, '\\$&'))}"`;
}
