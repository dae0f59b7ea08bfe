/**
 * The host side of the engine worker: starts it, waits for `ready`, sends typed requests and
 * dispatches events. A crash rejects every pending request with the worker's error, and the next
 * request starts a fresh worker, so one failure never leaves the host stuck.
 */
import { Worker } from 'worker_threads';
import * as path from 'path';
import type { ReadyParams, WorkerOptions } from './protocol';
import { Ready } from './protocol';
import { isWireMessage, type EventType, type RequestType, type WireMessage } from './rpc';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface EngineWorkerClientOptions extends WorkerOptions {
  /** The worker script; defaults to `worker.js` beside this file (the webpack bundle layout). */
  readonly script?: string;
  /** Called with a one-line description when the worker dies unexpectedly. */
  readonly onCrash?: (message: string) => void;
}

class WorkerProcess {
  readonly worker: Worker;
  readonly ready: Promise<ReadyParams>;
  readonly pending = new Map<number, Pending>();
  dead = false;

  constructor(
    script: string,
    options: WorkerOptions,
    onEvent: (method: string, params: unknown) => void,
    onExit: (error: Error) => void,
  ) {
    this.worker = new Worker(script, { workerData: options });
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
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.error) {
          const e = new Error(msg.error.message);
          e.name = msg.error.name;
          p.reject(e);
        } else p.resolve(msg.result);
      }
    });
    const die = (error: Error): void => {
      if (this.dead) return;
      this.dead = true;
      failReady(error);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      onExit(error);
    };
    this.worker.on('error', (e) => die(e instanceof Error ? e : new Error(String(e))));
    this.worker.on('exit', (code) => die(new Error(`the engine worker stopped (exit code ${code})`)));
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

  async request<M extends string, P, R>(type: RequestType<M, P, R>, params: P, signal?: AbortSignal): Promise<R> {
    const proc = this.current();
    await proc.ready;
    if (signal?.aborted) throw new Error('cancelled');
    const id = this.nextId++;
    return new Promise<R>((resolve, reject) => {
      const onAbort = (): void => {
        if (!proc.pending.delete(id)) return;
        proc.worker.postMessage({ kind: 'cancel', id } satisfies WireMessage);
        reject(new Error('cancelled'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      proc.pending.set(id, {
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as R);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      proc.worker.postMessage({ kind: 'request', id, method: type.method, params } satisfies WireMessage);
    });
  }

  onEvent<M extends string, P>(type: EventType<M, P>, listener: (params: P) => void): { dispose(): void } {
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
      proc.dead = true;
      for (const p of proc.pending.values()) p.reject(new Error('the engine worker was restarted'));
      proc.pending.clear();
      await proc.worker.terminate();
    }
  }

  async dispose(): Promise<void> {
    await this.restart();
    this.disposed = true;
    this.listeners.clear();
  }
}
