/** Seeds given to the emulator: checked before use, each refusal naming what is wrong. */
import { describe, expect, it } from 'vitest';
import { secretFromSeed } from '../../src/emulator/store.js';
import type { EmulatorSecretSeed } from '../../src/emulator/options.js';

const seed = (value: unknown) => () => secretFromSeed('u', value as EmulatorSecretSeed);

describe('secretFromSeed', () => {
  it('refuses a seed that is not a secret, saying why', () => {
    expect(seed(null)).toThrow(new TypeError('emulator: a seed secret must be an object'));
    expect(seed('A')).toThrow(new TypeError('emulator: a seed secret must be an object'));
    expect(seed({ id: 5, value: 'v' })).toThrow(new TypeError('emulator: invalid seed secret id 5: a secret id must be a string'));
    expect(seed({ id: 'A' })).toThrow(new TypeError('emulator: seed secret "A" needs a string value'));
    expect(seed({ id: 'A', value: 'v', description: 1 })).toThrow(new TypeError('emulator: seed secret "A" has a description that is not a string'));
    expect(seed({ id: 'A', value: 'v', expiresAt: 'soon' })).toThrow(new TypeError('emulator: seed secret "A" has an expiresAt that is not RFC 3339'));
  });

  it('reads an expiry given as a Date or as RFC 3339 text, and none as the zero timestamp', () => {
    const date = secretFromSeed('u', { id: 'A', value: 'v', expiresAt: new Date('2030-01-01T00:00:00Z') } as EmulatorSecretSeed);
    const text = secretFromSeed('u', { id: 'A', value: 'v', expiresAt: '2030-01-01T00:00:00Z' } as EmulatorSecretSeed);
    const none = secretFromSeed('u', { id: 'A', value: 'v', description: 'd' } as EmulatorSecretSeed);
    expect(date.expiresAt).toEqual(text.expiresAt);
    expect(date.expiresAt).not.toEqual(none.expiresAt);
    expect(none).toMatchObject({ id: 'A', value: 'v', description: 'd' });
  });
});
