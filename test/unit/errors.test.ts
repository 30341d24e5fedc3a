import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';
import {
  ApiError,
  AuthError,
  BadResponseError,
  ConflictError,
  InvalidValueError,
  ConfigError,
  MissingSecretsError,
  NotFoundError,
  SecretsError,
  type SecretsErrorCode,
  UnavailableError,
  isSecretsError,
  isUnavailable,
  reviveError,
  serializeError,
  withRetryAfter,
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

// What a user meets: each class's code, name and fields, the messages the package writes
// itself, and what crosses the worker boundary of loadSecretsSync.
describe('the error classes', () => {
  const { inspect } = process.getBuiltinModule('node:util');

  it('each class has its code, its name, and only the details it was given', () => {
    const cases: [SecretsError, string, string][] = [
      [new ConfigError('c'), 'ConfigError', 'ERR_CONFIG'],
      [new AuthError('ERR_AUTH', 'a'), 'AuthError', 'ERR_AUTH'],
      [new AuthError('ERR_FORBIDDEN', 'f'), 'AuthError', 'ERR_FORBIDDEN'],
      [new NotFoundError('n'), 'NotFoundError', 'ERR_NOT_FOUND'],
      [new ConflictError('k'), 'ConflictError', 'ERR_CONFLICT'],
      [new MissingSecretsError(['M']), 'MissingSecretsError', 'ERR_MISSING_SECRETS'],
      [new UnavailableError('ERR_THROTTLED', 't'), 'UnavailableError', 'ERR_THROTTLED'],
      [new BadResponseError('b'), 'BadResponseError', 'ERR_BAD_RESPONSE'],
      [new InvalidValueError(['V']), 'InvalidValueError', 'ERR_INVALID_VALUE'],
      [new ApiError('p'), 'ApiError', 'ERR_API'],
    ];
    for (const [error, name, code] of cases) {
      expect(error.name, name).toBe(name);
      expect(error.code, name).toBe(code);
      expect(isSecretsError(error, code as SecretsErrorCode), name).toBe(true);
      for (const key of ['statusCode', 'clarifaiCode', 'reqId', 'cause', 'retryAfterMs']) {
        expect(key in error, `${name} has no ${key}`).toBe(false);
      }
    }
  });

  it('keeps the cause it was given', () => {
    const cause = new Error('socket hang up');
    const error = new UnavailableError('ERR_NETWORK', 'unreachable', { cause });
    expect(error.cause).toBe(cause);
    expect(new ApiError('m', { cause: 0 }).cause).toBe(0);
  });

  it('is told apart from anything that is not one, whatever was thrown', () => {
    for (const value of [undefined, null, 0, 'ERR_CONFIG', true, Symbol('s'), () => {}, {}, new Error('x')]) {
      expect(isSecretsError(value)).toBe(false);
      expect(value instanceof SecretsError).toBe(false);
      expect(isUnavailable(value)).toBe(false);
    }
    expect(isSecretsError(new ConfigError('c'), 'ERR_AUTH')).toBe(false);
  });

  it('names one missing secret, and tells how to create it or make it optional', () => {
    const one = new MissingSecretsError(['DB_URL']);
    expect(one.message).toBe(
      'secret not found: DB_URL; create it (clarifai-secrets create ID) or mark it optional with a trailing "?"',
    );
    expect(new MissingSecretsError(['A', 'B', 'C']).message).toBe(
      '3 secrets not found: A, B, C; create them (clarifai-secrets create ID) or mark them optional with a trailing "?"',
    );
    expect(new MissingSecretsError(['A'], 'custom').message).toBe('custom');
    expect(new MissingSecretsError(['A'], 'custom').missing).toEqual(['A']);
  });

  it('names the ids whose values hold a NUL byte, and what to do about it', () => {
    const advice =
      'which an environment variable cannot carry (Node would cut the value short): update the value, or leave it out of CLARIFAI_SECRETS';
    expect(new InvalidValueError(['TOKEN']).message).toBe(`secret TOKEN holds a NUL byte, ${advice}`);
    expect(new InvalidValueError(['A', 'B']).message).toBe(`secrets A, B hold a NUL byte, ${advice}`);
    expect(new InvalidValueError(['A'], 'custom').message).toBe('custom');
  });

  it('keeps its own copy of the ids it lists', () => {
    const ids = ['A'];
    const missing = new MissingSecretsError(ids);
    const invalid = new InvalidValueError(ids);
    ids.push('B');
    expect(missing.missing).toEqual(['A']);
    expect(invalid.ids).toEqual(['A']);
  });

  it('carries the Retry-After of a throttled answer, printed with the error', () => {
    const throttled = withRetryAfter(new UnavailableError('ERR_THROTTLED', 'throttled'), 1500) as UnavailableError;
    expect(throttled.retryAfterMs).toBe(1500);
    expect(Object.keys(throttled)).toContain('retryAfterMs');
    expect(inspect(throttled)).toMatch(/retryAfterMs: 1500/);
    // No Retry-After: no field (nor a printed `undefined`).
    const plain = withRetryAfter(new UnavailableError('ERR_SERVER', 'down'), undefined);
    expect('retryAfterMs' in plain).toBe(false);
    // Only an outage has one: a refusal is not retried later.
    const refused = withRetryAfter(new AuthError('ERR_AUTH', 'refused'), 1500);
    expect('retryAfterMs' in refused).toBe(false);
  });
});

describe('across the worker boundary', () => {
  const roundTrip = (error: unknown): SecretsError => reviveError(JSON.parse(JSON.stringify(serializeError(error))));
  const ownKeys = (error: object): string[] => Object.keys(error).sort();

  it('a revived error is the same class with the same fields, and no more', () => {
    const originals: SecretsError[] = [
      new ConfigError('bad setting'),
      new AuthError('ERR_FORBIDDEN', 'scope', { statusCode: 403, clarifaiCode: 11007, reqId: 'req-1' }),
      new NotFoundError('no such secret', { statusCode: 404, clarifaiCode: 11101 }),
      new ConflictError('exists'),
      new MissingSecretsError(['A', 'B']),
      new UnavailableError('ERR_SERVER', 'down', { statusCode: 503 }),
      new BadResponseError('not Clarifai'),
      new InvalidValueError(['N']),
      new ApiError('bad request', { statusCode: 400, clarifaiCode: 11102 }),
    ];
    for (const original of originals) {
      const revived = roundTrip(original);
      expect(revived.constructor, original.name).toBe(original.constructor);
      expect(ownKeys(revived), original.name).toEqual(ownKeys(original));
      for (const key of ownKeys(original)) {
        expect((revived as unknown as Record<string, unknown>)[key], `${original.name}.${key}`).toEqual(
          (original as unknown as Record<string, unknown>)[key],
        );
      }
      expect(revived.message).toBe(original.message);
    }
  });

  it("a throttled error keeps its Retry-After (README: `retryAfterMs` holds the last one)", () => {
    const throttled = withRetryAfter(new UnavailableError('ERR_THROTTLED', 'throttled', { statusCode: 429 }), 2500);
    const revived = roundTrip(throttled) as UnavailableError;
    expect(revived).toBeInstanceOf(UnavailableError);
    expect(revived.retryAfterMs).toBe(2500);
    expect(ownKeys(revived)).toEqual(ownKeys(throttled));
    expect('retryAfterMs' in roundTrip(new UnavailableError('ERR_THROTTLED', 'throttled'))).toBe(false);
  });

  it('sends exactly the declared data: the lists only for the classes that carry them', () => {
    expect(serializeError(new ConfigError('bad', { reqId: 'r' }))).toStrictEqual({
      kind: 'ConfigError',
      code: 'ERR_CONFIG',
      message: 'bad',
      statusCode: undefined,
      clarifaiCode: undefined,
      reqId: 'r',
    });
    expect(serializeError(new UnavailableError('ERR_SERVER', 'down'))).toStrictEqual({
      kind: 'UnavailableError',
      code: 'ERR_SERVER',
      message: 'down',
      statusCode: undefined,
      clarifaiCode: undefined,
      reqId: undefined,
    });
    expect(serializeError(new MissingSecretsError(['X'], 'm')).fields).toStrictEqual({ missing: ['X'] });
    expect(serializeError(new InvalidValueError(['Y'], 'm')).fields).toStrictEqual({ ids: ['Y'] });
  });

  it('revives a list that was not sent as an empty list', () => {
    const missing = reviveError({ kind: 'MissingSecretsError', code: 'ERR_MISSING_SECRETS', message: 'm' });
    expect(missing).toBeInstanceOf(MissingSecretsError);
    expect((missing as MissingSecretsError).missing).toEqual([]);
    const ids = reviveError({ kind: 'InvalidValueError', code: 'ERR_INVALID_VALUE', message: 'm', fields: {} });
    expect((ids as InvalidValueError).ids).toEqual([]);
    // Built without its own constructor (as a foreign copy may be): sent and revived as [].
    const bare = Reflect.construct(SecretsError, ['ERR_MISSING_SECRETS', 'm'], MissingSecretsError) as MissingSecretsError;
    expect(serializeError(bare).fields).toStrictEqual({ missing: [] });
    expect((roundTrip(bare) as MissingSecretsError).missing).toEqual([]);
  });

  it('an error of a kind this copy does not know (a newer copy of the package) arrives as the base class', () => {
    class LaterError extends SecretsError {
      static override readonly kind = 'LaterError';
    }
    const later = new LaterError('ERR_API', 'from a newer copy', { statusCode: 418 });
    const data = serializeError(later);
    expect(data).toStrictEqual({
      kind: 'LaterError',
      code: 'ERR_API',
      message: 'from a newer copy',
      statusCode: 418,
      clarifaiCode: undefined,
      reqId: undefined,
    });
    const revived = reviveError(JSON.parse(JSON.stringify(data)));
    expect(revived.constructor).toBe(SecretsError);
    expect(ownKeys(revived)).toEqual(['code', 'name', 'statusCode']);
    expect(revived).toMatchObject({ name: 'SecretsError', code: 'ERR_API', message: 'from a newer copy', statusCode: 418 });
  });

  it('never sends a value a cause or a stack carries', () => {
    const planted = 'pat-ERR-7f3kq9-cause';
    const stacked = 'pat-ERR-7f3kq9-stack';
    const withCause = new UnavailableError('ERR_NETWORK', 'unreachable', { cause: new Error(planted) });
    withCause.stack = `UnavailableError: unreachable\n    at ${stacked}`;
    const bug = new TypeError('oops');
    bug.stack = `TypeError: oops\n    at ${stacked}`;
    (bug as Error & { cause?: unknown }).cause = planted;
    for (const error of [withCause, bug]) {
      const sent = JSON.stringify(serializeError(error));
      // A boolean, so a failure never prints the text that holds the value.
      expect(sent.includes(planted)).toBe(false);
      expect(sent.includes(stacked)).toBe(false);
      expect(sent.includes('pat-ERR-')).toBe(false);
    }
  });
});
