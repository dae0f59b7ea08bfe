/**
 * The parse worker thread: answers {@link Locate} with tree-sitter (src/parsing/locate.ts). It holds
 * no state worth keeping, so the host ends it (terminate) when a parse runs past its time limit
 * and starts a fresh one for the next request.
 */
import { parentPort, workerData } from 'worker_threads';
import { locateInText } from '../parsing/locate';
import { ParserPool } from '../parsing/parser';
import { Locate, type ParseWorkerOptions } from './parseProtocol';
import { WorkerServer } from './server';
import { object, optional, string, validate } from '../files/schema';

if (!parentPort) throw new Error('parseWorker.ts must run in a worker thread');
const options: ParseWorkerOptions = validate(
  workerData ?? {},
  object({ wasmDir: optional(string) }),
  "the parse worker's start data",
);
const parsers = new ParserPool(options.wasmDir ? { wasmDir: options.wasmDir } : {});
new WorkerServer(parentPort).handle(Locate, ({ language, text }) => locateInText(parsers, language, text));
