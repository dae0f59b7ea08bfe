/**
 * The extension's fine-tunes use the run folder lock of the CLI (src/modelFolder/runLock.ts): a run
 * another window took over after this one offered it for resume is refused with a message naming
 * the other's process and start time, and nothing reaches the worker. The real command handler
 * runs under the `vscode` stand-in.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { fake, installFakeVscode, vscodeStub } from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
type TrainingCommands = typeof import('../../src/commands/trainingCommands');
type RunLockModule = typeof import('../../src/modelFolder/runLock');
type InterruptedRunsModule = typeof import('../../src/host/interruptedRuns');
type Seq2SeqContext = import('../../src/host/context').Seq2SeqContext;
type TrainingServices = import('../../src/host/trainingRuns').TrainingServices;
/* eslint-enable @typescript-eslint/consistent-type-imports */

describe('fine-tune run folder lock (extension)', function () {
  this.timeout(60_000);
  let storage: string;
  let training: TrainingCommands;
  let runLock: RunLockModule;
  let interrupted: InterruptedRunsModule;
  const window = vscodeStub.window as unknown as Record<string, unknown>;
  const original = window.showInformationMessage;

  before(async () => {
    training = await import('../../src/commands/trainingCommands');
    runLock = await import('../../src/modelFolder/runLock');
    interrupted = await import('../../src/host/interruptedRuns');
  });
  beforeEach(() => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-ext-lock-'));
    fake.reset();
  });
  afterEach(() => {
    window.showInformationMessage = original;
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('a run another window took over meanwhile is refused with a clear message, before anything starts', async () => {
    const dir = path.join(storage, 'runs', 'r1');
    interrupted.writeRunRecord(dir, {
      id: 'r1',
      startedAt: '2026-12-01T10:00:00Z',
      pid: 999_999, // gone: the run is offered
      host: os.hostname(),
      corpus: path.join(dir, 'corpus.jsonl'),
      config: {},
    });
    fs.mkdirSync(path.join(dir, 'last'));
    for (const f of ['config.json', 'optimizer.json']) fs.writeFileSync(path.join(dir, 'last', f), '{}');
    fs.writeFileSync(path.join(dir, 'last', 'trainState.json'), JSON.stringify({ step: 12 }));
    let other: ReturnType<RunLockModule['acquireRunLock']> | undefined;
    // While the offer is on screen, another window resumes the run first.
    window.showInformationMessage = async (text: string) => {
      fake.messages.push(text);
      if (!/interrupted at step 12/.test(text)) return undefined;
      other = runLock.acquireRunLock(dir, 'Fine-tune on Workspace');
      return 'Resume the interrupted fine-tune';
    };
    const services = {
      engine: {},
      active: { current: () => undefined, store: { get: () => undefined } },
      feed: () => ({}),
    } as unknown as TrainingServices;
    const ctx = {
      extension: { globalStorageUri: { fsPath: storage } },
      log: { info: () => undefined, error: () => undefined },
    } as unknown as Seq2SeqContext;
    try {
      await training.offerInterruptedRuns(ctx, services);
    } finally {
      other?.release();
    }
    const refusal = fake.messages.find((m) => m.startsWith('Seq2Seq: cannot fine-tune:'));
    assert.ok(refusal, `no refusal among ${JSON.stringify(fake.messages)}`);
    assert.match(
      refusal,
      new RegExp(`in use by another training \\(Fine-tune on Workspace, process ${process.pid}, started 20`),
    );
    // Refused before the run was claimed: its record is untouched (and the stand-in engine, which
    // has no methods, was never asked to start the worker: that would have thrown).
    assert.strictEqual(interrupted.readRunRecord(dir)?.pid, 999_999);
  });
});
