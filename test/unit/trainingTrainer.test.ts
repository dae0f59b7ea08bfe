/**
 * Trainer: a tiny real model learns a synthetic copy task (validation loss and token accuracy
 * improve), resume continues at the same step with the same optimizer state, early stopping
 * stops, cancel leaves a loadable checkpoint, and no tensors leak.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import type { Batch } from '../../src/core/batch';
import { loadModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { BOS_ID, CODE2DOC_ID, EOS_ID, PAD_ID } from '../../src/core/specialTokens';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import type { EvalExample } from '../../src/training/evaluation';
import type { EvaluationEvent, StepEvent, TrainerEvent } from '../../src/training/events';
import { LAST_DIR, Trainer, type TrainingData } from '../../src/training/trainer';
import type { TrainerOptions } from '../../src/training/trainingDefaults';
import { initialTrainState } from '../../src/training/trainState';

const FIRST = 6;
const VOCAB = FIRST + 8;
const CONFIG = { embeddingDim: 16, hiddenDim: 32, dropout: 0, maxSrcLen: 16, maxTgtLen: 12 };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

function copyExamples(n: number, seed: number): EvalExample[] {
  const r = lcg(seed);
  return Array.from({ length: n }, () => {
    const seq = Array.from({ length: 2 + Math.floor(r() * 3) }, () => FIRST + Math.floor(r() * 8));
    return { src: [CODE2DOC_ID, ...seq, EOS_ID], tgt: seq, group: seq.length % 2 ? 'odd' : 'even' };
  });
}

function collate(ex: readonly EvalExample[]): Batch {
  const S = Math.max(...ex.map((e) => e.src.length));
  const T = Math.max(...ex.map((e) => e.tgt.length)) + 1;
  const pad = (r: readonly number[], n: number): number[] => [...r, ...new Array<number>(n - r.length).fill(PAD_ID)];
  return {
    src: ex.map((e) => pad(e.src, S)),
    tgtIn: ex.map((e) => pad([BOS_ID, ...e.tgt], T)),
    tgtOut: ex.map((e) => pad([...e.tgt, EOS_ID], T)),
  };
}

function data(trainN = 64, batch = 16): TrainingData {
  const train = copyExamples(trainN, 1);
  const valid = copyExamples(16, 2);
  return {
    trainBatches: (epoch) => {
      const r = lcg(100 + epoch);
      const order = train
        .map((e) => ({ e, k: r() }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.e);
      const out: Batch[] = [];
      for (let i = 0; i < order.length; i += batch) out.push(collate(order.slice(i, i + batch)));
      return out;
    },
    validBatches: [collate(valid)],
    validExamples: valid,
    detokenize: (ids) => ids.map((i) => `t${i}`).join(' '),
  };
}

const BASE: TrainerOptions = {
  optimizer: { name: 'adam', learningRate: 0.02 },
  schedule: { kind: 'constant' },
  maxEpochs: 100,
  labelSmoothing: 0,
  evalLimit: 8,
  patience: 0,
};

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'trainer-'));

describe('training/trainer', function () {
  this.timeout(120000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
  });

  it('learns a copy task: validation loss and token accuracy improve; events report it', async () => {
    const model = buildModel(CONFIG, VOCAB, VOCAB, 7);
    const events: TrainerEvent[] = [];
    const before = tf.memory().numTensors;
    const trainer = new Trainer(
      model,
      data(),
      { ...BASE, maxSteps: 60, evalEvery: 20, accumulate: 2, weightDecay: 1e-5 },
      (e) => events.push(e),
    );
    const finished = await trainer.run();
    const steps = events.filter((e): e is StepEvent => e.type === 'step');
    const evals = events.filter((e): e is EvaluationEvent => e.type === 'evaluation');
    assert.strictEqual(finished.step, 60);
    assert.strictEqual(steps.length, 60);
    assert.strictEqual(evals.length, 3);
    const first = steps.slice(0, 5).reduce((a, s) => a + s.tokenAccuracy, 0) / 5;
    const last = steps.slice(-5).reduce((a, s) => a + s.tokenAccuracy, 0) / 5;
    assert.ok(last > first + 0.3, `token accuracy ${first} -> ${last}`);
    assert.ok(evals[2]!.loss < evals[0]!.loss, `validation loss ${evals[0]!.loss} -> ${evals[2]!.loss}`);
    assert.ok(
      steps.every((s) => s.tokensPerSecond > 0 && s.gradNorm > 0 && s.etaMs !== null && s.learningRate === 0.02),
    );
    assert.strictEqual(evals[0]!.samples.length, 3);
    assert.deepStrictEqual(Object.keys(evals[0]!.byGroup).sort(), ['even', 'odd']);
    trainer.dispose();
    assert.strictEqual(tf.memory().numTensors, before, 'tensors leaked by training');
    model.dispose();
  });

  it('resume continues at the same step with the same optimizer state (Adam: bit-identical weights to an unbroken run)', async () => {
    const dir = tmp();
    const opts: TrainerOptions = {
      ...BASE,
      optimizer: { name: 'adam', learningRate: 0.01 },
      evalEvery: 3,
      evalLimit: 2,
    };
    // Unbroken: 6 steps.
    const a = buildModel(CONFIG, VOCAB, VOCAB, 3);
    await new Trainer(a, data(), { ...opts, maxSteps: 6 }, () => undefined).run();
    // Broken: 3 steps with checkpoints, then resume from last/ to 6.
    const b = buildModel(CONFIG, VOCAB, VOCAB, 3);
    const before = tf.memory().numTensors;
    const broken = new Trainer(b, data(), { ...opts, maxSteps: 3, outDir: dir }, () => undefined);
    await broken.run();
    broken.dispose();
    assert.strictEqual(tf.memory().numTensors, before, 'tensors leaked by training with checkpoints');
    b.dispose();
    const steps: number[] = [];
    const resumed = await Trainer.fromCheckpoint(
      path.join(dir, LAST_DIR),
      data(),
      { ...opts, maxSteps: 6, outDir: dir },
      (e) => {
        if (e.type === 'step') steps.push(e.step);
      },
    );
    assert.strictEqual(resumed.step, 3);
    await resumed.run();
    assert.deepStrictEqual(steps, [4, 5, 6]);
    for (let i = 0; i < a.variables.length; i++) {
      const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.variables[i]!, resumed.model.variables[i]!))).dataSync()[0]!);
      assert.strictEqual(diff, 0, `weight ${i} differs by ${diff}`);
    }
    a.dispose();
    resumed.model.dispose();
  });

  it('a continued run (fresh optimizer mid-schedule) scores its starting weights first and ramps the rate up again, across a resume', async () => {
    const dir = tmp();
    const opts: TrainerOptions = { ...BASE, evalEvery: 3, evalLimit: 2, evaluateAtStart: true, rewarmSteps: 4 };
    const events: TrainerEvent[] = [];
    const record = (e: TrainerEvent) => void events.push(e);
    const model = buildModel(CONFIG, VOCAB, VOCAB, 9);
    const continued = new Trainer(model, data(), { ...opts, maxSteps: 13, outDir: dir }, record, undefined, {
      ...initialTrainState(10),
      rewarmFrom: 10,
    });
    await continued.run();
    continued.dispose();
    model.dispose();
    const rates = () => events.filter((e): e is StepEvent => e.type === 'step').map((e) => [e.step, e.learningRate]);
    const evals = () => events.filter((e): e is EvaluationEvent => e.type === 'evaluation');
    assert.deepStrictEqual(rates(), [
      [11, 0.005],
      [12, 0.01],
      [13, 0.015],
    ]);
    assert.deepStrictEqual(
      evals().map((e) => [e.step, e.reference === true]),
      [
        [10, true],
        [12, false],
      ],
      'the starting weights were not scored first',
    );
    events.length = 0;
    const resumed = await Trainer.fromCheckpoint(
      path.join(dir, LAST_DIR),
      data(),
      { ...opts, maxSteps: 16, outDir: dir },
      record,
    );
    await resumed.run();
    assert.deepStrictEqual(rates(), [
      [14, 0.02],
      [15, 0.02],
      [16, 0.02],
    ]);
    assert.ok(
      evals().every((e) => !e.reference),
      'a resumed run scored its starting weights as a reference',
    );
    resumed.dispose();
    resumed.model.dispose();
  });

  it('early stopping stops after `patience` evaluations without improvement and keeps best/', async () => {
    const dir = tmp();
    const model = buildModel(CONFIG, VOCAB, VOCAB, 5);
    const events: TrainerEvent[] = [];
    // learning rate ~0: nothing improves after the first evaluation
    const finished = await new Trainer(
      model,
      data(32),
      {
        ...BASE,
        optimizer: { name: 'sgd', learningRate: 1e-12, momentum: 0 },
        evalEvery: 1,
        evalLimit: 2,
        patience: 2,
        stopMetric: 'loss',
        outDir: dir,
      },
      (e) => events.push(e),
    ).run();
    assert.strictEqual(finished.reason, 'early-stopped');
    assert.strictEqual(finished.step, 3);
    assert.ok(fs.existsSync(path.join(dir, 'best', 'config.json')));
    const { model: best } = await loadModel(path.join(dir, 'best'));
    best.dispose();
    model.dispose();
  });

  it('cancel mid-epoch saves a loadable last checkpoint at the step reached; pause waits', async () => {
    const dir = tmp();
    const model = buildModel(CONFIG, VOCAB, VOCAB, 9);
    const seen: string[] = [];
    const trainer: Trainer = new Trainer(model, data(), { ...BASE, evalEvery: 0, outDir: dir }, (e) => {
      seen.push(e.type);
      if (e.type === 'step' && e.step === 1) trainer.pause();
      if (e.type === 'paused') setTimeout(() => trainer.resume(), 20);
      if (e.type === 'step' && e.step === 2) trainer.cancel();
    });
    const finished = await trainer.run();
    assert.strictEqual(finished.reason, 'cancelled');
    assert.strictEqual(finished.step, 2);
    assert.ok(seen.includes('paused') && seen.includes('resumed'));
    const state = JSON.parse(fs.readFileSync(path.join(dir, LAST_DIR, 'trainState.json'), 'utf8')) as {
      step: number;
      batchInEpoch: number;
    };
    assert.strictEqual(state.step, 2);
    assert.strictEqual(state.batchInEpoch, 2);
    const { model: last } = await loadModel(path.join(dir, LAST_DIR));
    last.dispose();
    model.dispose();
  });
});
