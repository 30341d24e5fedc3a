import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';
import {
  AuthError,
  InvalidValueError,
  ConfigError,
  MissingSecretsError,
  NotFoundError,
  SecretsError,
  UnavailableError,
  isSecretsError,
  reviveError,
  serializeError,
} from '../../src/errors.js';

describe('SecretsError', () => {
  it('carries a stable code and the API details', () => {
    const error = new AuthError('ERR_AUTH', 'refused', { statusCode: 401, clarifaiCode: 11008, reqId: 'r1' });
    expect(error).toBeInstanceOf(SecretsError);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).not.toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ name: 'AuthError', code: 'ERR_AUTH', statusCode: 401, clarifaiCode: 11008, reqId: 'r1' });
  });

  it('recognises errors from another copy of the class by their brand', () => {
    // What an error from the CJS build looks like to the ESM build: another prototype, same brand.
    const foreign = Object.create(Error.prototype) as Record<symbol | string, unknown>;
    Object.defineProperty(foreign, Symbol.for('clarifai-secrets.error'), { value: 'NotFoundError' });
    foreign['code'] = 'ERR_NOT_FOUND';
    expect(foreign instanceof SecretsError).toBe(true);
    expect(foreign instanceof NotFoundError).toBe(true);
    expect(foreign instanceof AuthError).toBe(false);
    expect(isSecretsError(foreign, 'ERR_NOT_FOUND')).toBe(true);
    expect(new Error('x') instanceof SecretsError).toBe(false);
    expect((null as unknown) instanceof SecretsError).toBe(false);
  });

  it('lists every missing id', () => {
    const error = new MissingSecretsError(['A', 'b-c']);
    expect(error.missing).toEqual(['A', 'b-c']);
    expect(error.message).toMatch(/2 secrets not found: A, b-c/);
  });

  it('survives serialisation with its class, code and fields', () => {
    for (const original of [
      new ConfigError('bad'),
      new MissingSecretsError(['X']),
      new UnavailableError('ERR_TIMEOUT', 'slow', { reqId: 'q' }),
      new AuthError('ERR_FORBIDDEN', 'scope', { statusCode: 403, clarifaiCode: 11007 }),
    ]) {
      const revived = reviveError(JSON.parse(JSON.stringify(serializeError(original))));
      expect(revived.constructor).toBe(original.constructor);
      expect(revived).toMatchObject({ code: original.code, message: original.message });
      expect(revived.reqId).toBe(original.reqId);
      expect(revived.statusCode).toBe(original.statusCode);
    }
    expect((reviveError(serializeError(new MissingSecretsError(['X']))) as MissingSecretsError).missing).toEqual(['X']);
    const ids = reviveError(JSON.parse(JSON.stringify(serializeError(new InvalidValueError(['A', 'B'])))));
    expect(ids).toBeInstanceOf(InvalidValueError);
    expect((ids as InvalidValueError).ids).toEqual(['A', 'B']);
    expect(ids.message).toMatch(/secrets A, B hold a NUL byte/);
  });

  it('revives every exported subclass as itself (none is missing from the registry)', () => {
    const classes = Object.values(errors).filter(
      (value): value is typeof SecretsError =>
        typeof value === 'function' && (value === SecretsError || Object.prototype.isPrototypeOf.call(SecretsError.prototype, value.prototype)),
    );
    expect(classes.length).toBeGreaterThanOrEqual(10);
    for (const type of classes) {
      // Built without its own constructor, as a foreign copy of the class would be met.
      const original = Reflect.construct(SecretsError, ['ERR_API', `a ${type.kind}`, { reqId: 'r' }], type) as SecretsError;
      const revived = reviveError(JSON.parse(JSON.stringify(serializeError(original))));
      expect(revived.constructor, type.kind).toBe(type);
      expect(revived.name).toBe(type.kind);
      expect(revived).toMatchObject({ code: 'ERR_API', message: `a ${type.kind}`, reqId: 'r' });
    }
  });

  it('revives an unknown kind as the base class', () => {
    const revived = reviveError({ kind: 'FutureError', code: 'ERR_API', message: 'm' });
    expect(revived.constructor).toBe(SecretsError);
    expect(revived.name).toBe('SecretsError');
    expect(isSecretsError(revived, 'ERR_API')).toBe(true);
  });

  it('prints no empty fields', () => {
    const printed = process.getBuiltinModule('node:util').inspect(new ConfigError('bad'));
    expect(printed).not.toMatch(/undefined/);
  });

  it('keeps only the message of an unexpected error', () => {
    const data = serializeError(new TypeError('oops'));
    expect(data).toEqual({ kind: 'SecretsError', code: 'ERR_API', message: 'internal error: oops' });
  });
});
