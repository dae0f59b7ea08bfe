/**
 * One descriptor style for every message boundary of the extension: host <-> webview
 * (src/webviews/<panel>/protocol.ts) and host <-> worker thread (src/worker/protocol.ts,
 * parseProtocol.ts). Each message is declared once as a descriptor that says its wire name, which
 * way it travels and whether it is answered; its parameters and response ride along as phantom
 * types, so the side that sends and the side that handles check them against the same declaration.
 *
 * Every boundary has a client, the side that asks (a webview; the extension host towards a
 * worker), and a server, the side that serves (the extension host for a webview; the worker):
 * - {@link IpcCommand}: client -> server, no answer (a webview's `ready`, a hover, a button).
 * - {@link IpcRequest}: client -> server, answered with a response matched to it (worker requests).
 * - {@link IpcNotification}: server -> client, unasked (a view to show, a training event).
 *
 * A descriptor never travels: only its `method` does, with the parameters, in whatever envelope
 * the boundary uses (`{ method, params }` for webviews, rpc.ts's `WireMessage` for workers).
 * No imports, no `vscode`, no DOM, no Node: the webview build compiles this file too.
 */

export type IpcKind = 'command' | 'request' | 'notification';

/** What every descriptor has: its kind, its wire name and, never set, its parameter type. */
export interface IpcMessageType<Kind extends IpcKind, Method extends string, Params> {
  readonly kind: Kind;
  readonly method: Method;
  /** Phantom: never set at run time; carries the parameter type for inference. */
  readonly _params?: Params;
}

/** Client -> server, not answered. */
export type IpcCommand<Params, Method extends string = string> = IpcMessageType<'command', Method, Params>;

/** Client -> server, answered with a `Response` matched to this request. */
export interface IpcRequest<Params, Response, Method extends string = string> extends IpcMessageType<
  'request',
  Method,
  Params
> {
  /** Phantom: never set at run time; carries the response type for inference. */
  readonly _response?: Response;
}

/** Server -> client, not answered. */
export type IpcNotification<Params, Method extends string = string> = IpcMessageType<'notification', Method, Params>;

export type AnyIpcMessageType = IpcMessageType<IpcKind, string, unknown>;

export function ipcCommand<Params, Method extends string = string>(method: Method): IpcCommand<Params, Method> {
  return { kind: 'command', method };
}

export function ipcRequest<Params, Response, Method extends string = string>(
  method: Method,
): IpcRequest<Params, Response, Method> {
  return { kind: 'request', method };
}

export function ipcNotification<Params, Method extends string = string>(
  method: Method,
): IpcNotification<Params, Method> {
  return { kind: 'notification', method };
}

export type IpcResponse<T> = T extends IpcRequest<unknown, infer R, string> ? R : never;

/** A message as `postMessage` carries it between a webview and the host. */
export interface IpcMessage<Method extends string = string, Params = unknown> {
  readonly method: Method;
  readonly params: Params;
}

/** The wire form of a message, its parameters checked against the descriptor. */
export function ipcMessage<Method extends string, Params>(
  type: IpcMessageType<IpcKind, Method, Params>,
  params: NoInfer<Params>,
): IpcMessage<Method, Params> {
  return { method: type.method, params };
}

/** Narrows an incoming message to the descriptor's method and parameter type. */
export function isIpcMessage<Method extends string, Params>(
  msg: unknown,
  type: IpcMessageType<IpcKind, Method, Params>,
): msg is IpcMessage<Method, Params> {
  return typeof msg === 'object' && msg !== null && (msg as { method?: unknown }).method === type.method;
}
