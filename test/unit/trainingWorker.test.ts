/**
 * Training in the worker thread, through the typed protocol: progress events arrive, pause and
 * resume answer, cancel mid-run resolves with 'cancelled' and leaves a loadable `last/`, and a
 * second start while one runs is refused; a fine-tune stopped with `skipGuard` ends without the
 * guard's verdict. (A killed worker being replaced is covered in
 * worker.test.ts.) Spawns the compiled worker from out/.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { loadModel } from '../../src/modelFolder/checkpoint';
import { selectBackend } from '../../src/core/backend';
import type { TrainerEvent } from '../../src/training/events';
import { EngineWorkerClient } from '../../src/worker/client';
import {
  TrainCancel,
  TrainPause,
  TrainProgress,
  TrainResume,
  TrainStart,
  TrainStarted,
} from '../../src/worker/protocol';

const WORKER = path.join(__dirname, '..', '..', 'src', 'worker', 'worker.js');

function writeCorpus(dir: string): string {
  const words = ['get', 'set', 'user', 'name', 'file', 'path', 'read', 'write'];
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    const a = words[i % 8]!;
    const b = words[(i * 3 + 1) % 8]!;
    lines.push(
      JSON.stringify({
        lang: 'python',
        path: `f${i % 20}.py`,
        code: `def ${a}_${b}(x):\n    return x`,
        summary: `${a} ${b}`,
      }),
    );
  }
  const file = path.join(dir, 'corpus.jsonl');
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** A tiny model trained for many epochs: a run that lasts until it is cancelled. */
const config = {
  model: { embeddingDim: 16, hiddenDim: 16, dropout: 0, maxSrcLen: 24, maxTgtLen: 8 },
  vocabSize: 300,
  batchSize: 4,
  directions: ['code2doc' as const],
  // Two threads: the engine worker trains with one gradient worker of its own, as Fine-tune does.
  training: { maxEpochs: 50, evalEvery: 0, evalLimit: 2, threads: 2 },
};

describe('training in the worker', function () {
  this.timeout(120000);
  let client: EngineWorkerClient;
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    client = new EngineWorkerClient({ backend: 'wasm', script: WORKER });
    await client.ready();
  });
  after(async () => client.dispose());

  it('reports progress, pauses, resumes, and cancel leaves a loadable checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-train-'));
    const corpus = writeCorpus(dir);
    const out = path.join(dir, 'run');
    const events: TrainerEvent[] = [];
    let started = false;
    let threads = 0;
    const subs = [
      client.onEvent(TrainStarted, (s) => ((started = true), (threads = s.threads))),
      client.onEvent(TrainProgress, (e) => {
        events.push(e);
        if (e.type === 'step' && e.step === 2) void client.request(TrainPause, {});
        if (e.type === 'paused') void client.request(TrainResume, {});
        if (e.type === 'step' && e.step === 4) void client.request(TrainCancel, {});
      }),
    ];
    const running = client.request(TrainStart, { corpus, outDir: out, config });
    await assert.rejects(async () => {
      while (!started) await new Promise((r) => setTimeout(r, 10));
      await client.request(TrainStart, { corpus, outDir: out, config });
    }, /already in progress/);
    const finished = await running;
    subs.forEach((s) => s.dispose());
    assert.strictEqual(finished.reason, 'cancelled');
    assert.strictEqual(threads, 2);
    // The cancel crosses threads, so a step or two may finish first; last/ holds the step reached.
    assert.ok(finished.step >= 4 && finished.step < 20, `stopped at ${finished.step}`);
    const state = JSON.parse(fs.readFileSync(path.join(out, 'last', 'trainState.json'), 'utf8')) as { step: number };
    assert.strictEqual(state.step, finished.step);
    const types = new Set(events.map((e) => e.type));
    for (const t of ['step', 'paused', 'resumed', 'checkpoint', 'finished'])
      assert.ok(types.has(t as TrainerEvent['type']), `no ${t} event`);
    const { model } = await loadModel(path.join(out, 'last'));
    model.dispose();
    assert.ok(fs.existsSync(path.join(out, 'last', 'tokenizer.json')));
  });

  it('two starts in quick succession: the second is refused at once, and Stop cancels the one run', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-train-twice-'));
    const corpus = writeCorpus(dir);
    const first = client.request(TrainStart, { corpus, outDir: path.join(dir, 'a'), config });
    // No waiting for the first to finish its setup (tokenizer, model) before the second start.
    await assert.rejects(
      client.request(TrainStart, { corpus, outDir: path.join(dir, 'b'), config }),
      /already in progress; stop it/,
    );
    assert.strictEqual((await client.request(TrainCancel, {})).running, true);
    const finished = await first;
    assert.strictEqual(finished.reason, 'cancelled');
    assert.ok(finished.step < 20, `stopped at ${finished.step}`);
    assert.strictEqual((await client.request(TrainCancel, {})).running, false, 'nothing else runs');
    assert.ok(!fs.existsSync(path.join(dir, 'b')));
  });

  it('a fine-tune stopped with skipGuard ends without the guard; a plain stop is judged', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-train-skip-guard-'));
    const corpus = writeCorpus(dir);
    const base = await client.request(TrainStart, {
      corpus,
      outDir: path.join(dir, 'base'),
      config: { ...config, training: { ...config.training, maxSteps: 3 } },
    });
    const fineTune = async (cancel: { skipGuard?: boolean }, name: string) => {
      const sub = client.onEvent(TrainProgress, (e) => {
        if (e.type === 'step' && e.step === 2) void client.request(TrainCancel, cancel);
      });
      try {
        return await client.request(TrainStart, {
          corpus,
          outDir: path.join(dir, name),
          initModel: base.bestDir ?? path.join(dir, 'base', 'last'),
          guardBaseName: 'the base model',
          config: { batchSize: 4, rehearsalShare: 0, training: { maxEpochs: 50, evalEvery: 0, threads: 1 } },
        });
      } finally {
        sub.dispose();
      }
    };
    const skipped = await fineTune({ skipGuard: true }, 'skipped');
    assert.strictEqual(skipped.reason, 'cancelled');
    assert.strictEqual(skipped.guard, undefined, 'the guard judged a run stopped with skipGuard');
    const judged = await fineTune({}, 'judged');
    assert.strictEqual(judged.reason, 'cancelled');
    assert.ok(judged.guard, 'a plain stop of a fine-tune is judged');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
