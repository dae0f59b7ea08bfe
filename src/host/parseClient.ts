/**
 * The function locator the editor uses: tree-sitter in a worker thread (parseWorker.ts) with a
 * size limit and a time limit. A parse that runs past the limit is abandoned: the worker is
 * terminated (wasm cannot be interrupted otherwise) and the next request starts a new one. No
 * `vscode` here, so it is tested in plain Node.
 */
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Locate, type ParseWorkerOptions } from '../worker/parseProtocol';
import type { IpcResponse } from '../protocol/ipc';
import { isWireMessage, requestMessage } from '../worker/rpc';
import type { FunctionLocator, LocatedFunction } from './functionLocator';

/** Texts longer than this are not parsed (characters). */
export const MAX_PARSE_CHARS = 2_000_000;
/** A parse that takes longer is abandoned (milliseconds). */
export const PARSE_TIME_LIMIT_MS = 3_000;
/** Added to the limit until a new worker has answered once: starting it and loading grammars. */
export const STARTUP_ALLOWANCE_MS = 5_000;

/** Thrown when a text is too large or too slow to parse; the message says what to do instead. */
export class ParseLimitError extends Error {
  override readonly name = 'ParseLimitError';
}

export interface WorkerLocatorOptions extends ParseWorkerOptions {
  /** The worker script; default `parseWorker.js` beside this file (the webpack bundle layout). */
  readonly script?: string;
  readonly maxChars?: number;
  readonly timeLimitMs?: number;
  readonly startupAllowanceMs?: number;
}

interface Pending {
  resolve(value: readonly LocatedFunction[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class WorkerLocator implements FunctionLocator {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** The current worker has answered a request (its runtime is loaded). */
  private warm = false;
  /** Workers started so far (a timed-out parse replaces the worker). */
  started = 0;

  constructor(private readonly options: WorkerLocatorOptions = {}) {}

  private current(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.options.script ?? path.join(__dirname, 'parseWorker.js'), {
      workerData: this.options.wasmDir ? { wasmDir: this.options.wasmDir } : {},
    });
    this.started++;
    this.warm = false;
    worker.unref();
    worker.on('message', (msg: unknown) => {
      if (!isWireMessage(msg) || msg.kind !== 'response') return;
      this.warm = true;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.error) p.reject(new Error(msg.error.message));
      else p.resolve(msg.result as IpcResponse<typeof Locate>);
    });
    const fail = (error: Error): void => {
      if (this.worker !== worker) return;
      this.stop(error);
    };
    worker.on('error', (e) => fail(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => fail(new Error(`the parse worker stopped (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  /** Ends the worker and fails what it was doing; the next request starts a new one. */
  private stop(error: Error): void {
    const worker = this.worker;
    this.worker = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(error);
    }
    this.pending.clear();
    void worker?.terminate();
  }

  functions(language: string, text: string): Promise<LocatedFunction[]> {
    const maxChars = this.options.maxChars ?? MAX_PARSE_CHARS;
    if (text.length > maxChars) {
      return Promise.reject(
        new ParseLimitError(
          `the file has ${text.length} characters, more than the ${maxChars} Seq2Seq parses; select the function's code instead.`,
        ),
      );
    }
    const worker = this.current();
    const id = this.nextId++;
    const limit = this.options.timeLimitMs ?? PARSE_TIME_LIMIT_MS;
    const allowance = this.warm ? 0 : (this.options.startupAllowanceMs ?? STARTUP_ALLOWANCE_MS);
    return new Promise<LocatedFunction[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (!this.pending.has(id)) return;
        this.stop(
          new ParseLimitError(
            `parsing the file took longer than ${limit / 1000} s and was stopped; select the function's code instead.`,
          ),
        );
      }, limit + allowance);
      this.pending.set(id, { resolve: (v) => resolve([...v]), reject, timer });
      worker.postMessage(requestMessage(Locate, id, { language, text }));
    });
  }

  dispose(): void {
    this.stop(new Error('the parse worker was disposed'));
  }
}
