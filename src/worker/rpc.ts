/**
 * Typed request/response and event descriptors for the host <-> worker boundary. Both sides
 * import the same descriptors from protocol.ts, so a method's name, parameters and result type
 * are declared once. No `vscode` and no DOM: plain data over `worker_threads` messages.
 */

export interface RequestType<Method extends string, Params, Result> {
  readonly method: Method;
  readonly _params?: Params;
  readonly _result?: Result;
}

export interface EventType<Method extends string, Params> {
  readonly method: Method;
  readonly _params?: Params;
}

export function request<Params, Result, Method extends string = string>(
  method: Method,
): RequestType<Method, Params, Result> {
  return { method };
}

export function event<Params, Method extends string = string>(method: Method): EventType<Method, Params> {
  return { method };
}

export type ParamsOf<T> =
  T extends RequestType<string, infer P, unknown> ? P : T extends EventType<string, infer P> ? P : never;
export type ResultOf<T> = T extends RequestType<string, unknown, infer R> ? R : never;

/** What crosses the thread boundary. */
export type WireMessage =
  | { readonly kind: 'request'; readonly id: number; readonly method: string; readonly params: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly result?: unknown; readonly error?: WireError }
  | { readonly kind: 'cancel'; readonly id: number }
  | { readonly kind: 'event'; readonly method: string; readonly params: unknown };

export interface WireError {
  readonly message: string;
  readonly name: string;
  readonly stack?: string;
}

/**
 * Cancel flags shared between the host and a worker: a request's slot (`id % CANCEL_SLOTS`)
 * holds the id of the last cancelled request there. The host stores it when the request is
 * cancelled; the worker reads it between decoding steps, while its message queue waits.
 */
export const CANCEL_SLOTS = 1024;

export function createCancelFlags(): SharedArrayBuffer {
  return new SharedArrayBuffer(CANCEL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
}

export function flagCancelled(flags: Int32Array, id: number): void {
  Atomics.store(flags, id % CANCEL_SLOTS, id);
}

export function isFlagged(flags: Int32Array, id: number): boolean {
  return Atomics.load(flags, id % CANCEL_SLOTS) === id;
}

/** Thrown by work that noticed its cancellation. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/**
 * The error name of a request that made the WebAssembly runtime abort (out of memory, a bad
 * model). The thread survives an abort but every later call into that runtime fails, so the
 * host replaces the worker when it sees this name.
 */
export const ENGINE_ABORTED = 'EngineAbortedError';

/** True for an error thrown by an aborted (or trapped) WebAssembly runtime. */
export function isWasmAbort(e: unknown): boolean {
  // The project's type libraries do not declare WebAssembly; the runtime always has it.
  const runtimeError = (globalThis as { WebAssembly?: { RuntimeError: abstract new () => Error } }).WebAssembly
    ?.RuntimeError;
  return (
    (runtimeError !== undefined && e instanceof runtimeError) || (e instanceof Error && /^Aborted\(/.test(e.message))
  );
}

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) return { message: e.message, name: e.name, ...(e.stack ? { stack: e.stack } : {}) };
  return { message: String(e), name: 'Error' };
}

export function isWireMessage(v: unknown): v is WireMessage {
  if (typeof v !== 'object' || v === null) return false;
  const kind = (v as { kind?: unknown }).kind;
  return kind === 'request' || kind === 'response' || kind === 'cancel' || kind === 'event';
}
