/**
 * The marker's hashing, which a covered child does without node:crypto: its SHA-256 must be
 * node:crypto's on every input, and the settings part is pinned for one input (the format is
 * fixed from 1.0; docs/how-it-works.md, "The marker").
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMarker, parseMarker, settingsPart, sha256Hex } from '../../src/settings/marker.js';

describe('the marker', () => {
  it('hashes as node:crypto does: every length around the block edges, any text', () => {
    for (let n = 0; n < 200; n++) {
      const text = 'é'.repeat(n % 7) + 'x'.repeat(n);
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => sha256Hex(text) === createHash('sha256').update(text).digest('hex')));
  });

  it('has a settings part pinned for one input', () => {
    const texts = ['https://api.clarifai.com', null, 'OPENAI_API_KEY', null, null, null, null, null, null, null, null];
    expect(settingsPart(texts, null)).toBe(sha256Hex(JSON.stringify(['settings', texts, null])).slice(0, 24));
    expect(settingsPart(texts, null)).toBe('3e15ad3f10045fcd9a290e86');
  });

  it('reads back only its own form', () => {
    const marker = formatMarker('0123456789abcdef01234567', '89abcdef0123456789abcdef');
    expect(marker).toBe('1.0123456789abcdef01234567.89abcdef0123456789abcdef');
    expect(parseMarker(marker)).toEqual({ selection: '0123456789abcdef01234567', settings: '89abcdef0123456789abcdef' });
    for (const other of [undefined, '', '0123456789abcdef01234567', `2${marker.slice(1)}`, `${marker}0`, marker.toUpperCase()]) expect(parseMarker(other)).toBeUndefined();
  });
});
