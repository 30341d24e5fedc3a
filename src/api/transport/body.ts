/** What both transports do with an answer once its head has arrived. */
import type { Readable } from 'node:stream';
import { TransportError } from './types.js';

/** Lower-case names, repeated headers joined with `, `. */
export function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string | undefined> {
  const flat: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(raw)) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return flat;
}

/**
 * The whole body, refused unread when it declares more than `maxBytes` and cut off as soon
 * as it sends more. `destroy` drops the connection: a body left unread would hold it.
 * Read with 'data' and 'end' rather than `for await`: a stream's async iterator costs about
 * 1.7 ms more the first time, and every cold start reads its first body through here.
 */
export function readBody(
  body: Readable,
  headers: Record<string, string | undefined>,
  maxBytes: number,
  destroy: () => void,
): Promise<Buffer> {
  const declared = Number(headers['content-length']);
  if (declared > maxBytes) {
    destroy();
    return Promise.reject(new TransportError(`response body of ${declared} bytes is over the limit`, true, 'too-large'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    body.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > maxBytes) {
        fail(new TransportError(`response body is over the limit of ${maxBytes} bytes`, true, 'too-large'));
        destroy();
        return;
      }
      chunks.push(chunk);
    });
    body.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, size));
    });
    body.once('error', fail);
    // A body whose connection dropped closes without an end.
    body.once('close', () => fail(new Error('the body closed before its end')));
  });
}

/**
 * A promise that rejects when `signal` aborts, for racing a step that may not listen to it
 * (undici leaves a request queued while it reconnects to a broken proxy). `dispose` when
 * the step is over.
 */
export function untilAborted(signal: AbortSignal): { promise: Promise<never>; dispose(): void } {
  let onAbort: () => void = () => undefined;
  const promise = new Promise<never>((_resolve, reject) => {
    onAbort = () => reject(new TransportError('aborted', true, 'aborted'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  promise.catch(() => undefined);
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}
