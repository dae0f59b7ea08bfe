/**
 * The host side of the engine worker: starts it, waits for `ready`, sends typed requests and
 * dispatches events. A crash rejects every pending request with the worker's error, and the next
 * request starts a fresh worker, so one failure never leaves the host stuck. So does a worker
 * whose WebAssembly runtime aborted (it answers ENGINE_ABORTED), and one that has not let go of
 * a cancelled request after `stuckAfterMs` (the watchdog), unless it runs a long job (mining,
 * training), which is cancelled between its steps instead. Cancelling sets a flag in shared
 * memory that the worker reads between decoding steps, so it stops within one step.
 */
import { Worker } from 'worker_threads';
import * as path from 'path';
import type { ReadyParams, WorkerOptions } from './protocol';
import { JOB_METHODS, Ready, workerOptionsOf } from './protocol';
import { CancelledError } from '../core/cancellation';
import type { IpcNotification, IpcRequest } from '../protocol/ipc';
import {
  createCancelFlags,
  ENGINE_ABORTED,
  flagCancelled,
  fromWireError,
  isWireMessage,
  requestMessage,
  type WireMessage,
} from './rpc';

/** How long a cancelled request may keep the worker busy before the watchdog replaces it. */
export const DEFAULT_STUCK_AFTER_MS = 20_000;

interface Pending {
  readonly method: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface EngineWorkerClientOptions extends WorkerOptions {
  /** The worker script; defaults to `worker.js` beside this file (the webpack bundle layout). */
  readonly script?: string;
  /** Called with a one-line description when the worker dies unexpectedly. */
  readonly onCrash?: (message: string) => void;
  /** Watchdog limit for a cancelled request; default {@link DEFAULT_STUCK_AFTER_MS}. */
  readonly stuckAfterMs?: number;
}

class WorkerProcess {
  readonly worker: Worker;
  readonly ready: Promise<ReadyParams>;
  readonly pending = new Map<number, Pending>();
  /** Cancelled requests the worker has not answered yet: id -> watchdog timer. */
  readonly cancelling = new Map<number, NodeJS.Timeout>();
  readonly flags = createCancelFlags();
  dead = false;

  constructor(
    script: string,
    options: WorkerOptions,
    onEvent: (method: string, params: unknown) => void,
    private readonly onExit: (error: Error) => void,
  ) {
    this.worker = new Worker(script, { workerData: { ...workerOptionsOf(options), cancelFlags: this.flags } });
    let markReady: (p: ReadyParams) => void = () => undefined;
    let failReady: (e: Error) => void = () => undefined;
    this.ready = new Promise<ReadyParams>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (msg: unknown) => {
      if (!isWireMessage(msg)) return;
      if (msg.kind === 'event') {
        if (msg.method === Ready.method) markReady(msg.params as ReadyParams);
        onEvent(msg.method, msg.params);
      } else if (msg.kind === 'response') {
        clearTimeout(this.cancelling.get(msg.id));
        this.cancelling.delete(msg.id);
        const p = this.pending.get(msg.id);
        const error = msg.error ? fromWireError(msg.error) : undefined;
        if (error?.name === ENGINE_ABORTED) {
          this.pending.delete(msg.id);
          p?.reject(error);
          this.retire(error);
          return;
        }
        if (!p) return;
        this.pending.delete(msg.id);
        if (error) p.reject(error);
        else p.resolve(msg.result);
      }
    });
    this.failReady = failReady;
    this.worker.on('error', (e) => this.die(e instanceof Error ? e : new Error(String(e))));
    this.worker.on('exit', (code) => this.die(new Error(`the engine worker stopped (exit code ${code})`)));
  }

  private failReady: (e: Error) => void = () => undefined;

  /** Rejects everything pending with `error` and reports it (unless `report` is false); once. */
  private die(error: Error, report = true): void {
    if (this.dead) return;
    this.dead = true;
    this.failReady(error);
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    for (const t of this.cancelling.values()) clearTimeout(t);
    this.cancelling.clear();
    if (report) this.onExit(error);
  }

  /** Ends a worker that can no longer serve (aborted runtime, stuck); the next request starts a fresh one. */
  retire(error: Error, report = true): void {
    this.die(error, report);
    void this.worker.terminate();
  }

  /** Cancels request `id`: the shared flag at once, the message for handlers that poll. */
  cancel(id: number, stuckAfterMs: number): void {
    flagCancelled(new Int32Array(this.flags), id);
    this.worker.postMessage({ kind: 'cancel', id } satisfies WireMessage);
    const timer = setTimeout(() => {
      this.cancelling.delete(id);
      if ([...this.pending.values()].some((p) => JOB_METHODS.includes(p.method))) return;
      this.retire(
        new Error(
          `the engine did not stop a cancelled request within ${stuckAfterMs < 1000 ? `${stuckAfterMs} ms` : `${Math.round(stuckAfterMs / 1000)} s`}; it was restarted. Try again.`,
        ),
      );
    }, stuckAfterMs);
    timer.unref();
    this.cancelling.set(id, timer);
  }
}

export class EngineWorkerClient {
  private process: WorkerProcess | undefined;
  private nextId = 1;
  private readonly listeners = new Map<string, Set<(params: unknown) => void>>();
  private disposed = false;

  constructor(private readonly options: EngineWorkerClientOptions) {}

  private get script(): string {
    return this.options.script ?? path.join(__dirname, 'worker.js');
  }

  /** The running worker, started on first use and again after a crash. */
  private current(): WorkerProcess {
    if (this.disposed) throw new Error('the engine worker client was disposed');
    if (!this.process || this.process.dead) {
      const proc = new WorkerProcess(
        this.script,
        {
          backend: this.options.backend,
          ...(this.options.tensorflowPath ? { tensorflowPath: this.options.tensorflowPath } : {}),
          ...(this.options.workspaceFolders ? { workspaceFolders: this.options.workspaceFolders } : {}),
          ...(this.options.wasmDir ? { wasmDir: this.options.wasmDir } : {}),
        },
        (method, params) => this.listeners.get(method)?.forEach((l) => l(params)),
        (error) => {
          if (!this.disposed) this.options.onCrash?.(error.message);
        },
      );
      this.process = proc;
    }
    return this.process;
  }

  /** Resolves once TensorFlow.js has loaded in the worker, with the backend it chose. */
  ready(): Promise<ReadyParams> {
    return this.current().ready;
  }

  async request<M extends string, P, R>(
    type: IpcRequest<P, R, M>,
    params: NoInfer<P>,
    signal?: AbortSignal,
  ): Promise<R> {
    const proc = this.current();
    await proc.ready;
    if (signal?.aborted) throw new CancelledError();
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const onAbort = (): void => {
        if (!proc.pending.delete(id)) return;
        proc.cancel(id, this.options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS);
        reject(new CancelledError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      proc.pending.set(id, {
        method: type.method,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as R);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      proc.worker.postMessage(requestMessage(type, id, params));
    });
  }

  onEvent<M extends string, P>(type: IpcNotification<P, M>, listener: (params: P) => void): { dispose(): void } {
    let set = this.listeners.get(type.method);
    if (!set) this.listeners.set(type.method, (set = new Set()));
    const l = listener as (params: unknown) => void;
    set.add(l);
    return { dispose: () => set.delete(l) };
  }

  /** Ends the worker (e.g. to apply a new backend setting); the next request starts another. */
  async restart(): Promise<void> {
    const proc = this.process;
    this.process = undefined;
    if (proc && !proc.dead) {
      proc.retire(new Error('the engine worker was restarted'), false);
      await proc.worker.terminate();
    }
  }

  async dispose(): Promise<void> {
    await this.restart();
    this.disposed = true;
    this.listeners.clear();
  }
}

/**
 * Sends one request to a worker of its own, which ends afterwards: for work on untrusted input
 * (validating a model folder being imported) whatever it does to its runtime (exhausting memory,
 * an abort) cannot reach the engine that serves translations.
 */
export async function requestInDisposableWorker<M extends string, P, R>(
  options: EngineWorkerClientOptions,
  type: IpcRequest<P, R, M>,
  params: NoInfer<P>,
): Promise<R> {
  const client = new EngineWorkerClient(options);
  try {
    return await client.request(type, params);
  } finally {
    await client.dispose();
  }
}
