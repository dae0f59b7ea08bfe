/**
 * A worker script for workerReliability.test.ts, built on the real WorkerServer: it can trap in
 * real WebAssembly (what an aborted tfjs runtime throws), spin without ever looking at its
 * cancellation (a stuck worker), give up as cancelled on its own, and say which thread it is.
 */
import { parentPort, threadId, workerData } from 'worker_threads';
import { CancelledError } from '../../../src/core/cancellation';
import { ipcRequest } from '../../../src/protocol/ipc';
import { WorkerServer } from '../../../src/worker/server';
import { Ready, type WorkerOptions } from '../../../src/worker/protocol';

export const ThreadId = ipcRequest<Record<string, never>, number, 'threadId'>('threadId');
export const Trap = ipcRequest<Record<string, never>, void, 'trap'>('trap');
export const Spin = ipcRequest<Record<string, never>, void, 'spin'>('spin');
export const GiveUp = ipcRequest<Record<string, never>, void, 'giveUp'>('giveUp');

// (module (func (export "f") unreachable))
const TRAPPING_MODULE = Uint8Array.from([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07,
  0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b,
]);

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { f(): void } };
}

if (parentPort) {
  const server = new WorkerServer(parentPort, (workerData as WorkerOptions).cancelFlags);
  server.handle(ThreadId, () => threadId);
  server.handle(Trap, () => {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    new wasm.Instance(new wasm.Module(TRAPPING_MODULE)).exports.f();
  });
  server.handle(Spin, () => {
    for (;;) {
      // never looks at its cancellation
    }
  });
  server.handle(GiveUp, () => {
    throw new CancelledError();
  });
  server.emit(Ready, { backend: 'cpu', reason: 'test worker' });
}
