/**
 * Fine-tuning: the defaults (a fine-tuning rate with a short warm-up and decay, selection on
 * validation loss from the starting model on), checkpoint choice by validation loss on a real tiny
 * model (a fine-tune that only hurts keeps the starting weights; one that helps keeps its best
 * step), the time budget (time paused not counted), rehearsal mixing, the L2-SP gradient and the
 * held-out guard's decision.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { loadModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { CODE2DOC_ID, EOS_ID } from '../../src/core/specialTokens';
import { collate, type CorpusRecord, type Example } from '../../src/mining/dataset';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import { validationLoss } from '../../src/training/evaluation';
import type { EvaluationEvent, StepEvent, TrainerEvent } from '../../src/training/events';
import {
  FINE_TUNE_REHEARSAL_SHARE,
  FINE_TUNE_TRAINING,
  type TrainerOptions,
} from '../../src/training/trainingDefaults';
import { guardDecision, heldOutScore, marginRows, marginVerdict, workspaceOfRecords } from '../../src/training/guard';
import { WeightAnchor } from '../../src/training/l2sp';
import { mixedBatches, rehearsalPerBatch } from '../../src/training/rehearsal';
import { createSchedule } from '../../src/training/schedules';
import { BEST_DIR, Trainer, type TrainingData } from '../../src/training/trainer';
import { timeFactor } from '../timeScale';

const FIRST = 6;
const VOCAB = FIRST + 8;
const CONFIG = { embeddingDim: 16, hiddenDim: 32, dropout: 0, maxSrcLen: 16, maxTgtLen: 12 };

/** Reverse-the-sequence pairs from a seeded generator. */
function reverseExamples(n: number, seed: number): Example[] {
  let s = seed >>> 0;
  const r = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const seq = Array.from({ length: 2 + Math.floor(r() * 3) }, () => FIRST + Math.floor(r() * 8));
    return { src: [CODE2DOC_ID, ...seq, EOS_ID], tgt: [...seq].reverse() };
  });
}

function taskData(): TrainingData {
  const train = reverseExamples(64, 11);
  const valid = reverseExamples(24, 12);
  return {
    trainBatches: (epoch) => mixedBatches(train, [], { batchSize: 16, seed: epoch + 1, share: 0 }),
    validBatches: [collate(valid)],
    validExamples: valid,
    detokenize: (ids) => ids.join(' '),
  };
}

/** Adam at a rate that learns the task in tens of steps. */
const TINY: TrainerOptions = {
  optimizer: { name: 'adam', learningRate: 0.02 },
  schedule: { kind: 'constant' },
  maxEpochs: 100,
  labelSmoothing: 0,
  patience: 0,
};

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'finetune-'));

describe('training/fine-tuning', function () {
  this.timeout(180000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
  });

  it('defaults: rate 1e-4 reached after a short warm-up, then decaying; chosen on validation loss from the start', () => {
    const o = FINE_TUNE_TRAINING;
    assert.strictEqual(o.optimizer.learningRate, 1e-4);
    assert.strictEqual(o.stopMetric, 'loss');
    assert.strictEqual(o.evaluateAtStart, true);
    assert.ok((o.l2sp ?? 0) > 0 && FINE_TUNE_REHEARSAL_SHARE > 0 && FINE_TUNE_REHEARSAL_SHARE < 1);
    const s = createSchedule(o.schedule, o.optimizer.learningRate);
    assert.ok(o.schedule.kind === 'noam' && o.schedule.warmupSteps <= 100);
    const w = o.schedule.kind === 'noam' ? o.schedule.warmupSteps : 0;
    assert.ok(s.rate(1) < 1e-4 / 10);
    assert.ok(Math.abs(s.rate(w) - 1e-4) < 1e-12);
    assert.ok(s.rate(4 * w) < s.rate(w) && s.rate(4 * w) > 0);
  });

  it('a fine-tune that only hurts keeps the starting weights as best/ (validation loss over the whole split)', async () => {
    const model = buildModel(CONFIG, VOCAB, VOCAB, 5);
    // Pre-train: the "base model".
    const pre: TrainerOptions = { ...TINY, maxSteps: 40 };
    const base = new Trainer(model, taskData(), pre, () => undefined);
    await base.run();
    base.dispose();
    const data = taskData();
    const startLoss = validationLoss(model, data.validBatches);
    // A rate far too high wrecks it.
    const dir = tmp();
    const events: TrainerEvent[] = [];
    const ruin = new Trainer(
      model,
      data,
      {
        ...pre,
        optimizer: { name: 'sgd', learningRate: 40 },
        maxSteps: 6,
        evalEvery: 3,
        evaluateAtStart: true,
        stopMetric: 'loss',
        evalLimit: 2,
        outDir: dir,
      },
      (e) => events.push(e),
    );
    const finished = await ruin.run();
    ruin.dispose();
    const evals = events.filter((e): e is EvaluationEvent => e.type === 'evaluation');
    assert.strictEqual(evals[0]!.step, 0);
    assert.strictEqual(evals[0]!.reference, true);
    assert.ok(Math.abs(evals[0]!.loss - startLoss) < 1e-4, `${evals[0]!.loss} vs ${startLoss}`);
    assert.ok(
      evals.slice(1).every((e) => !(e.loss <= startLoss) && !e.improved),
      'the ruined steps looked better',
    );
    assert.strictEqual(finished.bestDir, path.join(dir, BEST_DIR));
    const best = await loadModel(path.join(dir, BEST_DIR));
    assert.strictEqual(best.meta.step, 0);
    assert.ok(Math.abs(validationLoss(best.model, data.validBatches) - startLoss) < 1e-4);
    best.model.dispose();
    model.dispose();
  });

  it('a fine-tune that helps keeps its lowest-validation-loss step; the time budget ends the run', async () => {
    const model = buildModel(CONFIG, VOCAB, VOCAB, 6);
    const dir = tmp();
    const events: TrainerEvent[] = [];
    const t = new Trainer(
      model,
      taskData(),
      {
        ...TINY,
        maxSteps: 30,
        evalEvery: 10,
        evalLimit: 2,
        stopMetric: 'loss',
        evaluateAtStart: true,
        outDir: dir,
      },
      (e) => events.push(e),
    );
    const finished = await t.run();
    t.dispose();
    const evals = events.filter((e): e is EvaluationEvent => e.type === 'evaluation');
    assert.deepStrictEqual(
      evals.map((e) => e.step),
      [0, 10, 20, 30],
    );
    const lowest = evals.reduce((a, b) => (b.loss < a.loss ? b : a));
    assert.ok(lowest.step > 0, 'training did not lower the validation loss');
    assert.strictEqual(finished.bestMetric, lowest.loss);
    const kept = await loadModel(path.join(dir, BEST_DIR));
    assert.strictEqual(kept.meta.step, lowest.step);
    kept.model.dispose();

    const steps: StepEvent[] = [];
    const budget = new Trainer(model, taskData(), { ...TINY, timeBudgetMs: 1, evalLimit: 1 }, (e) => {
      if (e.type === 'step') steps.push(e);
    });
    const ended = await budget.run();
    budget.dispose();
    assert.strictEqual(ended.step, 1);
    // Progress and ETA follow the budget when it ends the run first.
    assert.strictEqual(steps[0]?.progress, 1);
    assert.strictEqual(steps[0]?.etaMs, 0);
    // A run the budget ends says so: it did not complete its epochs or steps.
    assert.strictEqual(ended.reason, 'time-budget');
    assert.ok(ended.bestMetric !== null, 'the budget end was not evaluated');
    model.dispose();
  });

  it('the time budget holds the last evaluation: the run stops when another would not fit', async () => {
    const model = buildModel(CONFIG, VOCAB, VOCAB, 8);
    let evaluations = 0;
    // Each evaluation takes 600 ms (the listener blocks), steps take milliseconds, the budget is 1 s:
    // after the evaluation at step 2 another one cannot end within the budget, so the run ends there
    // rather than stepping on and evaluating again past the budget (two evaluations, 1.2 s). Both
    // times are scaled by the test time factor so that two slow steps on a busy machine still fit
    // in the 400 ms the budget leaves beside one evaluation.
    const f = timeFactor();
    const [evaluationMs, budgetMs] = [600 * f, 1000 * f];
    const t = new Trainer(model, taskData(), { ...TINY, evalEvery: 2, evalLimit: 1, timeBudgetMs: budgetMs }, (e) => {
      if (e.type !== 'evaluation') return;
      evaluations++;
      const until = Date.now() + evaluationMs;
      while (Date.now() < until);
    });
    const ended = await t.run();
    t.dispose();
    model.dispose();
    assert.strictEqual(ended.step, 2);
    assert.strictEqual(evaluations, 1);
    assert.ok(ended.elapsedMs < budgetMs, `ended after ${ended.elapsedMs} ms of a ${budgetMs} ms budget`);
  });

  it('a CPU clock: time the process spends waiting (a busy machine, a paused run) is not counted', async () => {
    // Each step's listener sleeps 300 ms without computing; 8 steps take 2.4 s of wall time and
    // little CPU time. A 1.2 s budget on the wall clock ends the run early; on the CPU clock the
    // run completes its steps, with an elapsed time far below the wall time it took.
    const sleep = new Int32Array(new SharedArrayBuffer(4));
    const run = async (clock: 'wall' | 'cpu'): Promise<{ step: number; reason: string; elapsedMs: number }> => {
      const model = buildModel(CONFIG, VOCAB, VOCAB, 9);
      const t = new Trainer(model, taskData(), { ...TINY, maxSteps: 8, timeBudgetMs: 1200, clock }, (e) => {
        if (e.type === 'step') Atomics.wait(sleep, 0, 0, 300);
      });
      const ended = await t.run();
      t.dispose();
      model.dispose();
      return ended;
    };
    const wall = await run('wall');
    assert.strictEqual(wall.reason, 'time-budget');
    assert.ok(wall.step < 8, `the wall clock let ${wall.step} steps run`);
    const cpu = await run('cpu');
    assert.strictEqual(cpu.reason, 'completed');
    assert.strictEqual(cpu.step, 8);
    assert.ok(cpu.elapsedMs < 1200, `${cpu.elapsedMs} ms of CPU time counted`);
    assert.throws(
      () => new Trainer(buildModel(CONFIG, VOCAB, VOCAB, 9), taskData(), { ...TINY, clock: 'gpu' as 'cpu' }, () => {}),
      /training\.clock must be wall or cpu/,
    );
  });

  it('time paused counts against no budget, on either clock', async () => {
    // Paused after its first step, the run spends longer than its whole budget busy elsewhere in
    // the process (wall and CPU time alike) before it resumes; it still has its budget left.
    const f = timeFactor();
    const [budgetMs, pauseMs] = [1000 * f, 1500 * f];
    for (const clock of ['wall', 'cpu'] as const) {
      const model = buildModel(CONFIG, VOCAB, VOCAB, 9);
      const t: Trainer = new Trainer(
        model,
        taskData(),
        { ...TINY, maxSteps: 3, timeBudgetMs: budgetMs, clock },
        (e) => {
          if (e.type === 'step' && e.step === 1) t.pause();
          if (e.type === 'paused')
            setTimeout(() => {
              const until = Date.now() + pauseMs;
              while (Date.now() < until);
              t.resume();
            }, 0);
        },
      );
      const ended = await t.run();
      t.dispose();
      model.dispose();
      assert.strictEqual(ended.reason, 'completed', `${clock}: ended by ${ended.reason} at step ${ended.step}`);
      assert.strictEqual(ended.step, 3);
      assert.ok(ended.elapsedMs < budgetMs, `${clock}: ${ended.elapsedMs} ms counted`);
    }
  });

  it('rehearsal: each batch carries its share of base pairs; every workspace pair appears once per epoch', () => {
    assert.strictEqual(rehearsalPerBatch(16, 0.25), 4);
    assert.strictEqual(rehearsalPerBatch(16, 0.01), 1);
    assert.strictEqual(rehearsalPerBatch(4, 0.9), 3);
    assert.strictEqual(rehearsalPerBatch(16, 0), 0);
    assert.throws(() => rehearsalPerBatch(16, 1), /\[0, 1\)/);
    const own = reverseExamples(30, 1).map((e, i) => ({ src: [CODE2DOC_ID, 100 + i, EOS_ID], tgt: e.tgt }));
    const replay = reverseExamples(10, 2).map((e, i) => ({ src: [CODE2DOC_ID, 500 + i, EOS_ID], tgt: e.tgt }));
    const batches = mixedBatches(own, replay, { batchSize: 8, seed: 3, share: 0.25 });
    const ids = batches.map((b) => b.src.map((row) => row[1]!));
    assert.ok(ids.every((row) => row.filter((id) => id >= 500).length === 2));
    const seen = ids.flat().filter((id) => id < 500);
    assert.deepStrictEqual(
      [...seen].sort((a, b) => a - b),
      own.map((_, i) => 100 + i),
    );
    // 5 batches x 2 draws = 10: every rehearsal pair once, in a cycle.
    assert.strictEqual(new Set(ids.flat().filter((id) => id >= 500)).size, 10);
    assert.deepStrictEqual(mixedBatches(own, replay, { batchSize: 8, seed: 3, share: 0.25 }), batches);
    assert.ok(mixedBatches(own, [], { batchSize: 8, seed: 3, share: 0.25 }).every((b) => b.src.length <= 8));
  });

  it('L2-SP adds alpha * (w - w0) to the gradients, the derivative of its penalty', () => {
    const v = tf.variable(tf.tensor1d([1, -2, 3]));
    const anchor = new WeightAnchor([v]);
    v.assign(tf.tensor1d([1.5, -2, 1]));
    const before = tf.memory().numTensors;
    const [g] = anchor.pull([tf.tensor1d([0.1, 0.1, 0.1])], [v], 0.2);
    const got = Array.from(g!.dataSync());
    [0.1 + 0.2 * 0.5, 0.1, 0.1 + 0.2 * -2].forEach((x, i) => assert.ok(Math.abs(got[i]! - x) < 1e-6, `${got}`));
    g!.dispose();
    assert.strictEqual(tf.memory().numTensors, before, 'the input gradient was not disposed');
    // The penalty's numerical derivative in the first coordinate matches the pull.
    const p0 = anchor.penalty([v], 0.2);
    v.assign(tf.tensor1d([1.5 + 1e-3, -2, 1]));
    const p1 = anchor.penalty([v], 0.2);
    assert.ok(Math.abs((p1 - p0) / 1e-3 - 0.2 * 0.5) < 1e-3);
    assert.strictEqual(anchor.pull([tf.scalar(1)], [v], 0)[0]!.dataSync()[0], 1);
    anchor.dispose();
    v.dispose();
  });

  it('the guard offers the fine-tuned model only when it beats the base; otherwise it says so with both numbers', () => {
    // Twelve held-out functions: the guard judges no fewer than GUARD_MIN_FUNCTIONS.
    const n = Array.from({ length: 6 }, (_, i) => i);
    const refs = n.flatMap((i) => [`Returns the parsed node ${i}.`, `Builds the table of contents ${i}.`]);
    const baseOut = n.flatMap(() => ['Return the value.', 'Build a list.']);
    const tunedOut = n.flatMap((i) => [`Returns the parsed node ${i}.`, 'Builds the table.']);
    const base = heldOutScore(baseOut, refs);
    const tuned = heldOutScore(tunedOut, refs);
    assert.ok(tuned.chrf > base.chrf && tuned.sentenceBleu > base.sentenceBleu);
    const good = guardDecision(marginVerdict(marginRows(refs, baseOut, tunedOut)), 'the bundled model');
    assert.strictEqual(good.better, true);
    assert.match(good.message, /beats the bundled model/);
    const bad = guardDecision(marginVerdict(marginRows(refs, tunedOut, baseOut)), 'the bundled model');
    assert.strictEqual(bad.better, false);
    assert.match(
      bad.message,
      new RegExp(
        `did not beat the bundled model.*chrF ${base.chrf.toFixed(1)} vs ${tuned.chrf.toFixed(1)}.*kept the bundled model`,
      ),
    );
    // Scores that one decimal would show as equal get more decimals.
    const shares = { chrf: 0.9, sentenceBleu: 0.5, samples: 1000, required: 0.8 };
    const close = guardDecision(
      {
        base: { chrf: 35.101, sentenceBleu: 25.1, pairs: 200 },
        tuned: { chrf: 35.134, sentenceBleu: 25.1, pairs: 200 },
        shares,
        ahead: false,
      },
      'the base model',
    );
    assert.match(close.message, /chrF 35\.13 vs 35\.10, smoothed BLEU-4 25\.1 vs 25\.1 on 200/);
    const none = guardDecision(marginVerdict([]), 'the bundled model');
    assert.strictEqual(none.better, false);
    assert.match(none.message, /no held-out functions.*kept the bundled model/);
  });

  it("the guard's models read neighbours from the job's workspace, never from the function's own file", () => {
    const rec = (file: string, name: string, code: string, summary: string): CorpusRecord => ({
      lang: 'python',
      path: file,
      name,
      line: 1,
      code,
      summary,
      doc: summary,
      params: [],
      throws: [],
    });
    const heldOut = rec(
      'io/json.py',
      'read_json',
      'def read_json(path): return json.load(open(path))',
      'Read a JSON file.',
    );
    const documented = [
      heldOut,
      rec(
        'io/json.py',
        'read_json_lines',
        'def read_json_lines(path): return [json.loads(l) for l in open(path)]',
        'Same file.',
      ),
      rec('io/yaml.py', 'read_yaml', 'def read_yaml(path): return yaml.safe_load(open(path))', 'Read a YAML file.'),
      rec('net/http.py', 'fetch', 'def fetch(url): return requests.get(url).text', 'Fetch a page.'),
    ];
    const ws = workspaceOfRecords(documented)(heldOut);
    assert.ok(ws, 'a workspace for the held-out function');
    assert.strictEqual(ws.excludePath, 'io/json.py');
    const neighbour = ws.index.neighbour(heldOut.code, ws.excludePath);
    assert.strictEqual(neighbour?.summary, 'Read a YAML file.');
  });
});
