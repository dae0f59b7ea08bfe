/**
 * Typed message descriptors for the host <-> webview boundary.
 *
 * Each panel declares its messages once in its own `protocol.ts` with {@link message}; the host
 * and the browser app import that same file, so a message's name and its payload type cannot
 * drift apart. This module has no `vscode` or DOM dependency, so both builds can compile it.
 */

/** A message kind: its wire name and, as a phantom type, its payload. */
export interface MessageType<Method extends string, Params> {
  readonly method: Method;
  /** Never set at run time; carries the payload type for inference. */
  readonly _params?: Params;
}

/** What actually crosses `postMessage`. */
export interface WireMessage<Method extends string = string, Params = unknown> {
  readonly method: Method;
  readonly params: Params;
}

export function message<Params, Method extends string = string>(method: Method): MessageType<Method, Params> {
  return { method };
}

export type ParamsOf<T> = T extends MessageType<string, infer P> ? P : never;

/** Builds the wire form of a message, checked against its descriptor. */
export function wire<M extends string, P>(type: MessageType<M, P>, params: P): WireMessage<M, P> {
  return { method: type.method, params };
}

/** Narrows an incoming message to a descriptor's payload type. */
export function isMessage<M extends string, P>(type: MessageType<M, P>, msg: unknown): msg is WireMessage<M, P> {
  return typeof msg === 'object' && msg !== null && (msg as { method?: unknown }).method === type.method;
}

/** Every webview posts this first; the host sends nothing before it (the ready handshake). */
export const WebviewReady = message<{ readonly version: number }, 'ready'>('ready');
