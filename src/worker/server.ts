/**
 * The worker side of the protocol: dispatches requests to typed handlers, answers each with its
 * result or error, and lets a handler see whether the host cancelled it.
 */
import type { MessagePort } from 'worker_threads';
import { isWireMessage, toWireError, type EventType, type RequestType, type WireMessage } from './rpc';

export interface HandlerContext {
  /** True once the host cancelled this request. */
  cancelled(): boolean;
}

type AnyHandler = (params: unknown, ctx: HandlerContext) => Promise<unknown> | unknown;

export class WorkerServer {
  private readonly handlers = new Map<string, AnyHandler>();
  private readonly cancelled = new Set<number>();

  constructor(private readonly port: MessagePort) {
    port.on('message', (msg: unknown) => {
      if (!isWireMessage(msg)) return;
      if (msg.kind === 'cancel') this.cancelled.add(msg.id);
      else if (msg.kind === 'request') void this.dispatch(msg.id, msg.method, msg.params);
    });
  }

  handle<M extends string, P, R>(
    type: RequestType<M, P, R>,
    handler: (params: P, ctx: HandlerContext) => Promise<R> | R,
  ): void {
    this.handlers.set(type.method, handler as AnyHandler);
  }

  emit<M extends string, P>(type: EventType<M, P>, params: P): void {
    this.port.postMessage({ kind: 'event', method: type.method, params } satisfies WireMessage);
  }

  private async dispatch(id: number, method: string, params: unknown): Promise<void> {
    const handler = this.handlers.get(method);
    try {
      if (!handler) throw new Error(`the engine worker has no method "${method}"`);
      const result = await handler(params, { cancelled: () => this.cancelled.has(id) });
      if (!this.cancelled.delete(id)) this.port.postMessage({ kind: 'response', id, result } satisfies WireMessage);
    } catch (e) {
      if (!this.cancelled.delete(id))
        this.port.postMessage({ kind: 'response', id, error: toWireError(e) } satisfies WireMessage);
    }
  }
}
