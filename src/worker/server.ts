/**
 * The worker side of the protocol: dispatches requests to typed handlers, answers each with its
 * result or error, and lets a handler see whether the host cancelled it, even in the middle of
 * synchronous work (through flags in shared memory). After the WebAssembly runtime aborts, every
 * request is answered with ENGINE_ABORTED so that the host replaces this worker.
 */
import type { MessagePort } from 'worker_threads';
import { CancelledError } from '../core/cancellation';
import type { IpcNotification, IpcRequest } from '../protocol/ipc';
import {
  ENGINE_ABORTED,
  eventMessage,
  isFlagged,
  isWasmAbort,
  isWireMessage,
  toWireError,
  type WireError,
  type WireMessage,
} from './rpc';

export interface HandlerContext {
  /** True once the host cancelled this request. */
  cancelled(): boolean;
}

type AnyHandler = (params: unknown, ctx: HandlerContext) => Promise<unknown> | unknown;

export class WorkerServer {
  private readonly handlers = new Map<string, AnyHandler>();
  private readonly cancelled = new Set<number>();
  /** Set once the WebAssembly runtime aborted: every later request gets this error. */
  private aborted: WireError | undefined;

  private readonly flags: Int32Array | undefined;

  /** `cancelFlags`: the host's shared cancel flags (see rpc.ts), read while a handler computes. */
  constructor(
    private readonly port: MessagePort,
    cancelFlags?: SharedArrayBuffer,
  ) {
    this.flags = cancelFlags ? new Int32Array(cancelFlags) : undefined;
    port.on('message', (msg: unknown) => {
      if (!isWireMessage(msg)) return;
      if (msg.kind === 'cancel') this.cancelled.add(msg.id);
      else if (msg.kind === 'request') void this.dispatch(msg.id, msg.method, msg.params);
    });
  }

  handle<M extends string, P, R>(
    type: IpcRequest<P, R, M>,
    handler: (params: P, ctx: HandlerContext) => Promise<R> | R,
  ): void {
    this.handlers.set(type.method, handler as AnyHandler);
  }

  emit<M extends string, P>(type: IpcNotification<P, M>, params: NoInfer<P>): void {
    this.port.postMessage(eventMessage(type, params));
  }

  private async dispatch(id: number, method: string, params: unknown): Promise<void> {
    const respond = (answer: { result?: unknown; error?: WireError }): void => {
      // A cancelled request is answered too: the host's watchdog learns that the worker is free again.
      this.cancelled.delete(id);
      this.port.postMessage({ kind: 'response', id, ...answer } satisfies WireMessage);
    };
    if (this.aborted) return respond({ error: this.aborted });
    const handler = this.handlers.get(method);
    try {
      if (!handler) throw new Error(`the engine worker has no method "${method}"`);
      if (this.isCancelled(id)) throw new CancelledError();
      respond({ result: await handler(params, { cancelled: () => this.isCancelled(id) }) });
    } catch (e) {
      if (isWasmAbort(e)) {
        this.aborted = {
          name: ENGINE_ABORTED,
          message: `the engine's WebAssembly runtime aborted (${e instanceof Error ? e.message : String(e)}), most likely out of memory; the engine restarts. Try again, or use a smaller model.`,
        };
      }
      respond({ error: this.aborted ?? toWireError(e) });
    }
  }

  /** Cancelled by a message already read, or by the shared flag the host sets at once. */
  private isCancelled(id: number): boolean {
    return this.cancelled.has(id) || (this.flags !== undefined && isFlagged(this.flags, id));
  }
}
