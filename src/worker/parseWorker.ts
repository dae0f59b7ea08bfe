/**
 * The parse worker thread: answers {@link Locate} with tree-sitter (src/data/locate.ts). It holds
 * no state worth keeping, so the host ends it (terminate) when a parse runs past its time limit
 * and starts a fresh one for the next request.
 */
import { parentPort, workerData } from 'worker_threads';
import { locateInText } from '../data/locate';
import { ParserPool } from '../data/parser';
import { Locate, type ParseWorkerOptions } from './parseProtocol';
import { WorkerServer } from './server';
import { object, optional, string, validate } from '../data/schema';

if (!parentPort) throw new Error('parseWorker.ts must run in a worker thread');
const options: ParseWorkerOptions = validate(
  workerData ?? {},
  object({ wasmDir: optional(string) }),
  "the parse worker's start data",
);
const parsers = new ParserPool(options.wasmDir ? { wasmDir: options.wasmDir } : {});
new WorkerServer(parentPort).handle(Locate, ({ language, text }) => locateInText(parsers, language, text));
