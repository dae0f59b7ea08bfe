/**
 * The one cancellation error. Whatever notices that its work was cancelled throws a
 * CancelledError: a beam search between decoding steps, index mining between files, a worker
 * handler, and the host's worker client when the caller's AbortSignal fires. The worker client
 * rebuilds an error that crossed the worker boundary with this name as a CancelledError, so
 * callers on either side recognise a cancel by type with {@link isCancellation}, never by its
 * message. This file imports nothing, so the extension host may use it without loading the engine.
 */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** True when `e` reports a cancel rather than a failure. */
export function isCancellation(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}
