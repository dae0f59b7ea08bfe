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

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) return { message: e.message, name: e.name, ...(e.stack ? { stack: e.stack } : {}) };
  return { message: String(e), name: 'Error' };
}

export function isWireMessage(v: unknown): v is WireMessage {
  if (typeof v !== 'object' || v === null) return false;
  const kind = (v as { kind?: unknown }).kind;
  return kind === 'request' || kind === 'response' || kind === 'cancel' || kind === 'event';
}
