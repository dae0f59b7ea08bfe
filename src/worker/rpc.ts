/**
 * The host <-> worker envelope: how the descriptors of src/protocol/ipc.ts travel over
 * `worker_threads` messages. The host is the client: it sends requests (IpcRequest), each with an
 * id its response carries back, and cancels them; the worker is the server: it answers and sends
 * events (IpcNotification). Both sides import the same descriptors from protocol.ts, so a method's
 * name, parameters and response type are declared once. No `vscode` and no DOM.
 */
import { CancelledError } from '../core/cancellation';
import type { IpcNotification, IpcRequest } from '../protocol/ipc';

/** What crosses the thread boundary. */
export type WireMessage =
  | { readonly kind: 'request'; readonly id: number; readonly method: string; readonly params: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly result?: unknown; readonly error?: WireError }
  | { readonly kind: 'cancel'; readonly id: number }
  | { readonly kind: 'event'; readonly method: string; readonly params: unknown };

/** The wire form of a request, its parameters checked against the descriptor. */
export function requestMessage<P>(type: IpcRequest<P, unknown>, id: number, params: NoInfer<P>): WireMessage {
  return { kind: 'request', id, method: type.method, params };
}

/** The wire form of an event, its parameters checked against the descriptor. */
export function eventMessage<P>(type: IpcNotification<P>, params: NoInfer<P>): WireMessage {
  return { kind: 'event', method: type.method, params };
}

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

/**
 * The host's copy of an error the worker answered with: message and name kept, and a cancel
 * rebuilt as a {@link CancelledError} so that it is recognised by type on this side too.
 */
export function fromWireError(w: WireError): Error {
  if (w.name === 'CancelledError') return new CancelledError();
  return Object.assign(new Error(w.message), { name: w.name });
}

export function isWireMessage(v: unknown): v is WireMessage {
  if (typeof v !== 'object' || v === null) return false;
  const kind = (v as { kind?: unknown }).kind;
  return kind === 'request' || kind === 'response' || kind === 'cancel' || kind === 'event';
}
