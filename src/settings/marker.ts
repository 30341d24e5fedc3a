/**
 * The marker a load leaves in the environment, `CLARIFAI_SECRETS_LOADED`, and its format
 * (docs/how-it-works.md, "The marker"; pinned from 1.0):
 *
 *   1.<selection>.<settings>
 *
 * `<selection>` names what was loaded (base URL, user, selection: load-job.ts's `markerFor`)
 * and is what the library compares. `<settings>` names the raw setting texts that selection
 * was resolved from, so that a child process can tell "already loaded" from its own
 * environment and `.env` file alone, before (and instead of) compiling the library: this
 * module is all the register files load for that (dist/marker.*), so it imports nothing and
 * hashes with its own SHA-256 (node:crypto's first load is a few ms, more than the whole check).
 */

export const MARKER = 'CLARIFAI_SECRETS_LOADED';
export const MARKER_VERSION = '1';

/**
 * The settings the marker's second part names, in this order. The tokens are left out: `run`
 * removes them from its child, and a load the marker covers needs none.
 */
export const MARKED_SETTINGS = [
  'CLARIFAI_API_BASE',
  'CLARIFAI_USER_ID',
  'CLARIFAI_SECRETS',
  'CLARIFAI_SECRETS_ALLOW_HTTP',
  'CLARIFAI_SECRETS_TIMEOUT',
  'CLARIFAI_SECRETS_OVERRIDE',
  'CLARIFAI_SECRETS_CACHE_TTL',
  'CLARIFAI_SECRETS_CACHE_DIR',
  'CLARIFAI_SECRETS_FALLBACK',
  'CLARIFAI_SECRETS_FAIL_OPEN',
  'CLARIFAI_SECRETS_DEBUG',
] as const;

/** Whether a `.env` file's text can give the library anything (config.ts's readEnvFile skips the others unparsed). */
export function envFileMatters(text: string): boolean {
  return text.includes('CLARIFAI') || /clarifai:\/\//i.test(text);
}

/** A value meant as a `clarifai://` reference (references.ts checks its form). */
export const REFERENCE_SCHEME = /^\s*clarifai:\/\//i;

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function ror(x: number, n: number): number {
  return (x >>> n) | (x << (32 - n));
}

/** SHA-256 of the UTF-8 text, in hex (FIPS 180-4; a test holds it equal to node:crypto's). */
export function sha256Hex(text: string): string {
  const data = Buffer.from(text, 'utf8');
  const blocks = new Uint8Array(((data.length + 9 + 63) >>> 6) << 6);
  blocks.set(data);
  blocks[data.length] = 0x80;
  const view = new DataView(blocks.buffer);
  view.setUint32(blocks.length - 8, Math.floor(data.length / 0x20000000));
  view.setUint32(blocks.length - 4, (data.length << 3) >>> 0);
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
  const w = new Uint32Array(64);
  for (let offset = 0; offset < blocks.length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!;
      const b = w[i - 2]!;
      w[i] = w[i - 16]! + (ror(a, 7) ^ ror(a, 18) ^ (a >>> 3)) + w[i - 7]! + (ror(b, 17) ^ ror(b, 19) ^ (b >>> 10));
    }
    // Element by element: destructuring a typed array goes through its iterator, slow before V8 tiers up.
    let a = h[0]!;
    let b = h[1]!;
    let c = h[2]!;
    let d = h[3]!;
    let e = h[4]!;
    let f = h[5]!;
    let g = h[6]!;
    let hh = h[7]!;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
      const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0]! += a;
    h[1]! += b;
    h[2]! += c;
    h[3]! += d;
    h[4]! += e;
    h[5]! += f;
    h[6]! += g;
    h[7]! += hh;
  }
  let hex = '';
  for (const word of h) hex += word.toString(16).padStart(8, '0');
  return hex;
}

/**
 * The marker's second part: the text of each MARKED_SETTINGS entry as this process read it
 * (null when unset) and the SHA-256 of the `.env` file's text when it can give the library
 * anything (null otherwise). Equal texts resolve to equal settings, so when a child's part
 * equals its parent's, the library would find the first part equal too.
 */
export function settingsPart(texts: ReadonlyArray<string | null>, envFileDigest: string | null): string {
  return sha256Hex(JSON.stringify(['settings', texts, envFileDigest])).slice(0, 24);
}

export function formatMarker(selection: string, settings: string): string {
  return `${MARKER_VERSION}.${selection}.${settings}`;
}

/** The two parts of a marker of this format, or undefined for any other value. */
export function parseMarker(value: string | undefined): { selection: string; settings: string } | undefined {
  const match = value === undefined ? null : /^1\.([0-9a-f]{24})\.([0-9a-f]{24})$/.exec(value);
  return match ? { selection: match[1]!, settings: match[2]! } : undefined;
}
