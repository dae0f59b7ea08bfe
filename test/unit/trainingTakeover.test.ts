/**
 * A fine-tune the user asks for while the workspace's learning run is in progress: the user is
 * asked, the learning run is stopped without the guard's verdict (resent until it has ended, since
 * a stop can arrive before its job reached the worker), it records itself and installs nothing,
 * and only then does the fine-tune start. A fine-tune in progress still refuses a second one. The
 * real command handlers run under the `vscode` stand-in with a stand-in engine.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { RunGuard, stopLearningRun } from '../../src/host/runGuard';
import { fake, installFakeVscode, vscodeStub } from './helpers/fakeVscode';

installFakeVscode();

/* eslint-disable @typescript-eslint/consistent-type-imports -- modules loaded after the stand-in */
type TrainingCommands = typeof import('../../src/commands/trainingCommands');
type TrainingRuns = typeof import('../../src/host/trainingRuns');
type Seq2SeqContext = import('../../src/host/context').Seq2SeqContext;
type TrainingServices = import('../../src/host/trainingRuns').TrainingServices;
type TrainFinished = import('../../src/host/engineHost').TrainFinished;
/* eslint-enable @typescript-eslint/consistent-type-imports */

const QUESTION = 'Seq2Seq: the model is learning this workspace in the background. Stop learning and fine-tune now?';
const STOP = 'Stop learning and fine-tune';

describe('stopping a learning run for a fine-tune', () => {
  it('sends the stop again until the learning run has ended, then resolves', async () => {
    const guard = new RunGuard();
    assert.ok(guard.tryStart('learning'));
    let cancels = 0;
    // The first two stops arrive before the job is in the worker: nothing to stop there yet.
    const cancel = async (): Promise<void> => {
      if (++cancels === 3) setTimeout(() => guard.end(), 5);
    };
    await stopLearningRun(guard, cancel, 5);
    assert.strictEqual(cancels, 3);
    assert.strictEqual(guard.running, false);
    // A run that ends at the first stop is not waited on until the next one is due.
    assert.ok(guard.tryStart('learning'));
    const started = Date.now();
    await stopLearningRun(guard, async () => void setTimeout(() => guard.end(), 5), 60_000);
    assert.ok(Date.now() - started < 30_000, 'waited for the next stop, not for the run to end');
  });

  it('stops nothing when no learning run holds the guard', async () => {
    const guard = new RunGuard();
    let cancels = 0;
    const cancel = async (): Promise<void> => void cancels++;
    await stopLearningRun(guard, cancel, 5);
    assert.ok(guard.tryStart('fine-tune'));
    await stopLearningRun(guard, cancel, 5);
    assert.strictEqual(cancels, 0, 'a fine-tune is never stopped for another');
    assert.strictEqual(guard.kind, 'fine-tune');
    guard.end();
    await guard.whenIdle();
  });
});

describe('Fine-tune on Workspace during a learning run (extension)', function () {
  this.timeout(60_000);
  let storage: string;
  let training: TrainingCommands;
  let runs: TrainingRuns;
  const window = vscodeStub.window as unknown as Record<string, unknown>;
  const workspace = vscodeStub.workspace as unknown as Record<string, unknown>;
  const original = window.showInformationMessage;
  /** What happened, in order. */
  let events: string[];
  let finishLearning: ((f: TrainFinished) => void) | undefined;

  const ctx = (): Seq2SeqContext =>
    ({
      extension: { globalStorageUri: { fsPath: storage } },
      log: { info: () => undefined, warn: () => undefined, error: () => undefined },
      statusBar: { update: () => undefined },
    }) as unknown as Seq2SeqContext;

  /** An engine whose training job runs until it is stopped; `mine` answers when the test says. */
  function services(mine?: Promise<unknown>): TrainingServices {
    const engine = {
      whenReady: async () => ({ backend: 'cpu', reason: 'test' }),
      startTraining: () =>
        new Promise<TrainFinished>((resolve) => {
          events.push('learning job started');
          finishLearning = resolve;
        }),
      cancelTraining: async (options: { skipGuard?: boolean } = {}) => {
        events.push(`stop${options.skipGuard ? ' without the guard' : ''}`);
        finishLearning?.({
          type: 'finished',
          reason: 'cancelled',
          step: 3,
          epoch: 0,
          bestMetric: null,
          bestDir: null,
          elapsedMs: 1,
        });
      },
      pauseTraining: async () => undefined,
      resumeTraining: async () => undefined,
      mine: () => mine ?? new Promise(() => undefined),
    };
    return {
      engine,
      active: {
        current: () => undefined,
        // A model would import: only the guard keeps a stopped learning run's out.
        store: { get: () => undefined, import: async () => ({ id: 'learned', dir: storage, bundled: false }) },
      },
      feed: () => ({ push: () => undefined, setControl: () => undefined }),
    } as unknown as TrainingServices;
  }

  /** A learning run in progress, as src/host/learning.ts starts one; `ended` settles when it has ended. */
  async function startLearning(s: TrainingServices): Promise<{ ended: Promise<boolean> }> {
    const running = runs.learnInBackground(ctx(), s, {
      runId: 'learn-1',
      corpus: path.join(storage, 'train.jsonl'),
      config: {},
      summary: {},
      base: { id: 'default', dir: storage, bundled: true },
      background: {
        validCorpus: path.join(storage, 'valid.jsonl'),
        testCorpus: path.join(storage, 'test.jsonl'),
        onResult: async (finished, outcome) =>
          void events.push(`learning recorded: ${finished?.reason}, ${outcome ? 'installed' : 'nothing installed'}`),
      },
    });
    while (!finishLearning) await new Promise((r) => setTimeout(r, 5));
    return { ended: running };
  }

  /** The user's answer to the question; every message recorded. */
  function answer(choice: string | undefined): void {
    window.showInformationMessage = async (text: string) => {
      fake.messages.push(text);
      events.push(text);
      return text === QUESTION ? choice : undefined;
    };
  }

  before(async () => {
    training = await import('../../src/commands/trainingCommands');
    runs = await import('../../src/host/trainingRuns');
  });
  beforeEach(() => {
    storage = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-takeover-'));
    fake.reset();
    events = [];
    finishLearning = undefined;
  });
  afterEach(() => {
    window.showInformationMessage = original;
    delete workspace.workspaceFolders;
    fs.rmSync(storage, { recursive: true, force: true });
  });

  it('asks; on yes the learning run stops without its verdict, records itself, and then the fine-tune starts', async () => {
    const s = services();
    const learning = await startLearning(s);
    answer(STOP);
    await training.fineTune(ctx(), s)();
    assert.strictEqual(await learning.ended, true);
    assert.deepStrictEqual(events, [
      'learning job started',
      QUESTION,
      'stop without the guard',
      'learning recorded: cancelled, nothing installed',
      // The fine-tune's own first step (no folder open in the stand-in).
      'Seq2Seq: open a folder to fine-tune on its code.',
    ]);
    assert.strictEqual(runs.trainingInProgress(), false);
  });

  it('on Cancel the learning run goes on and no fine-tune starts', async () => {
    const s = services();
    const learning = await startLearning(s);
    answer(undefined);
    await training.fineTune(ctx(), s)();
    assert.deepStrictEqual(events, ['learning job started', QUESTION]);
    assert.strictEqual(runs.trainingInProgress(), true);
    await s.engine.cancelTraining();
    await learning.ended;
  });

  it('a fine-tune in progress still refuses a second one, without asking', async () => {
    workspace.workspaceFolders = [{ uri: { fsPath: storage } }];
    let mined: (r: unknown) => void = () => undefined;
    const s = services(new Promise((r) => (mined = r)));
    answer(STOP);
    const first = training.fineTune(ctx(), s)();
    assert.strictEqual(runs.trainingInProgress(), true);
    await training.fineTune(ctx(), s)();
    assert.deepStrictEqual(events, ['Seq2Seq: a fine-tuning run is already in progress.']);
    mined({ files: 0, pairs: 0, perLanguage: {}, skipped: {}, corpus: path.join(storage, 'corpus.jsonl') });
    await first;
    assert.strictEqual(runs.trainingInProgress(), false);
  });
});
