/**
 * Data-parallel training: the token-weighted mean of the replicas' share gradients equals the
 * whole batch's gradient (label smoothing and padding included), replicas stay bit-identical and
 * a drifting one is caught, two threads train like one, resume with the same thread count gives
 * the weights of an unbroken run, and cancel stops the workers with a loadable checkpoint. Spawns
 * the compiled gradient worker from out/.
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
import { weightsChecksum } from '../../src/training/flatWeights';
import { batchGradients, splitBatch } from '../../src/training/gradients';
import { GradientAccumulator } from '../../src/training/optimizers';
import { ReplicaDriftError, ReplicaPool } from '../../src/training/replicaPool';
import { checkThreads, resolveThreads } from '../../src/training/threads';
import { LAST_DIR, Trainer, type TrainingData } from '../../src/training/trainer';
import type { TrainerOptions } from '../../src/training/trainingDefaults';

const FIRST = 6;
const VOCAB = FIRST + 10;
const CONFIG = { embeddingDim: 8, hiddenDim: 16, dropout: 0, maxSrcLen: 16, maxTgtLen: 12 };

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** `n` copy-task pairs of varied lengths, padded into one batch. */
function batchOf(n: number, seed: number): Batch {
  const r = lcg(seed);
  const seqs = Array.from({ length: n }, () =>
    Array.from({ length: 1 + Math.floor(r() * 5) }, () => FIRST + Math.floor(r() * 10)),
  );
  const S = Math.max(...seqs.map((q) => q.length)) + 2;
  const T = Math.max(...seqs.map((q) => q.length)) + 1;
  const pad = (row: number[], len: number): number[] => [...row, ...new Array<number>(len - row.length).fill(PAD_ID)];
  return {
    src: seqs.map((q) => pad([CODE2DOC_ID, ...q, EOS_ID], S)),
    tgtIn: seqs.map((q) => pad([BOS_ID, ...q], T)),
    tgtOut: seqs.map((q) => pad([...q, EOS_ID], T)),
  };
}

function data(): TrainingData {
  const valid = batchOf(6, 99);
  return {
    trainBatches: (epoch) => [0, 1, 2, 3].map((i) => batchOf(9, 1000 * epoch + i)),
    validBatches: [valid],
    validExamples: valid.src.map((s, i) => ({
      src: s.filter((x) => x !== PAD_ID),
      tgt: valid.tgtOut[i]!.filter((x) => x !== PAD_ID && x !== EOS_ID),
    })),
    detokenize: (ids) => ids.join(' '),
  };
}

const BASE: TrainerOptions = {
  optimizer: { name: 'adam', learningRate: 0.01 },
  schedule: { kind: 'constant' },
  maxEpochs: 10,
  labelSmoothing: 0.1,
  evalLimit: 2,
  samples: 0,
  patience: 0,
};

function maxDiff(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): number {
  assert.strictEqual(a.length, b.length);
  return Math.max(...a.map((t, i) => tf.tidy(() => tf.max(tf.abs(tf.sub(t, b[i]!))).dataSync()[0]!)));
}

describe('training/data-parallel', function () {
  this.timeout(120000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
  });

  it('splits a batch into near-equal contiguous shares, never an empty one', () => {
    const b = batchOf(5, 1);
    assert.deepStrictEqual(
      splitBatch(b, 2).map((s) => s.src.length),
      [3, 2],
    );
    assert.deepStrictEqual(
      splitBatch(b, 8).map((s) => s.src.length),
      [1, 1, 1, 1, 1],
    );
    assert.deepStrictEqual(
      splitBatch(b, 3).flatMap((s) => s.tgtOut),
      b.tgtOut,
    );
  });

  it('the token-weighted mean of 3 replicas’ gradients equals the whole batch’s within 1e-5', async () => {
    const model = buildModel(CONFIG, VOCAB, VOCAB, 4);
    const batch = batchOf(7, 5);
    const whole = batchGradients(model, batch, 0.1);
    const pool = await ReplicaPool.start(model, { threads: 3, labelSmoothing: 0.1 });
    try {
      const shares = await pool.gradients(batch);
      assert.strictEqual(shares.length, 3);
      // Shares differ in token counts (lengths vary), so an unweighted mean would not match.
      assert.ok(new Set(shares.map((s) => s.tokens)).size > 1, 'the test needs shares of different token counts');
      const acc = new GradientAccumulator();
      for (const s of shares) acc.add(s.grads, s.tokens);
      const mean = acc.take();
      const diff = maxDiff(mean, whole.grads);
      assert.ok(diff < 1e-5, `averaged gradients differ from the whole batch's by ${diff}`);
      const scale = Math.max(...whole.grads.map((g) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]!)));
      assert.ok(scale > 1e-3, 'gradients are not trivially zero');
      const tokens = shares.reduce((n, s) => n + s.tokens, 0);
      assert.strictEqual(tokens, whole.tokens);
      const loss = shares.reduce((n, s) => n + s.loss * s.tokens, 0) / tokens;
      assert.ok(Math.abs(loss - whole.loss) < 1e-5, `loss ${loss} vs ${whole.loss}`);
      tf.dispose(mean);
    } finally {
      await pool.close();
      tf.dispose(whole.grads);
      model.dispose();
    }
  });

  it('replicas hold bit-identical weights after publishing, and a replica that differs is caught', async () => {
    const model = buildModel(CONFIG, VOCAB, VOCAB, 6);
    const pool = await ReplicaPool.start(model, { threads: 2, labelSmoothing: 0 });
    try {
      await pool.verify(0);
      // The trainer's weights change without being published: the worker's copy is stale.
      const v = model.variables[0]!;
      v.assign(tf.tidy(() => tf.add(v, 1e-3)));
      await assert.rejects(
        pool.verify(1),
        (e: unknown) => e instanceof ReplicaDriftError && /replica 1/.test(e.message),
      );
      pool.publish();
      await pool.verify(1);
    } finally {
      await pool.close();
      model.dispose();
    }
  });

  it('trains with 2 threads: replicas verified at every evaluation, same weights as 1 thread (sgd) within 1e-5', async () => {
    const opts: TrainerOptions = { ...BASE, optimizer: { name: 'sgd', learningRate: 0.5, momentum: 0.9 }, maxSteps: 5 };
    const one = buildModel(CONFIG, VOCAB, VOCAB, 8);
    let before = tf.memory().numTensors;
    const single = new Trainer(one, data(), { ...opts, evalEvery: 1 }, () => undefined);
    await single.run();
    single.dispose();
    const leftBySingle = tf.memory().numTensors - before;
    const two = buildModel(CONFIG, VOCAB, VOCAB, 8);
    before = tf.memory().numTensors;
    const evaluations: number[] = [];
    const trainer = new Trainer(two, data(), { ...opts, threads: 2, evalEvery: 1 }, (e) => {
      if (e.type === 'evaluation') evaluations.push(e.step);
    });
    const finished = await trainer.run();
    assert.strictEqual(finished.step, 5);
    assert.deepStrictEqual(evaluations, [1, 2, 3, 4, 5]);
    trainer.dispose();
    assert.strictEqual(tf.memory().numTensors - before, leftBySingle, 'data-parallel training leaks tensors');
    const initial = buildModel(CONFIG, VOCAB, VOCAB, 8);
    const moved = maxDiff(two.variables, initial.variables);
    initial.dispose();
    assert.ok(moved > 1e-2, `training moved the weights by only ${moved}`);
    const diff = maxDiff(one.variables, two.variables);
    assert.ok(diff < 1e-5, `2 threads differ from 1 thread by ${diff}`);
    one.dispose();
    two.dispose();
  });

  // Adam: its beta powers are saved beside its slots and put back as they were.
  it('resume with 2 threads gives bit-identical weights to an unbroken 2-thread run (Adam)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-'));
    const opts: TrainerOptions = {
      ...BASE,
      optimizer: { name: 'adam', learningRate: 0.01 },
      threads: 2,
      evalEvery: 2,
    };
    const a = buildModel(CONFIG, VOCAB, VOCAB, 3);
    await new Trainer(a, data(), { ...opts, maxSteps: 6 }, () => undefined).run();
    const b = buildModel(CONFIG, VOCAB, VOCAB, 3);
    await new Trainer(b, data(), { ...opts, maxSteps: 3, outDir: dir }, () => undefined).run();
    b.dispose();
    const resumed = await Trainer.fromCheckpoint(path.join(dir, LAST_DIR), data(), { ...opts, maxSteps: 6 }, () => {});
    assert.strictEqual(resumed.step, 3);
    await resumed.run();
    assert.strictEqual(weightsChecksum(resumed.model.variables), weightsChecksum(a.variables));
    resumed.dispose();
    resumed.model.dispose();
    a.dispose();
  });

  it('cancel with 2 threads stops at the step reached with a loadable last checkpoint', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-'));
    const model = buildModel(CONFIG, VOCAB, VOCAB, 9);
    const trainer: Trainer = new Trainer(model, data(), { ...BASE, threads: 2, outDir: dir }, (e) => {
      if (e.type === 'step' && e.step === 2) trainer.cancel();
    });
    const finished = await trainer.run();
    assert.strictEqual(finished.reason, 'cancelled');
    assert.strictEqual(finished.step, 2);
    const { model: last } = await loadModel(path.join(dir, LAST_DIR));
    assert.strictEqual(weightsChecksum(last.variables), weightsChecksum(model.variables));
    last.dispose();
    trainer.dispose();
    model.dispose();
  });

  it('refuses a thread count that is not a whole number of at least 1; the setting 0 means cores - 1', () => {
    assert.throws(() => checkThreads(1.5), /whole number of at least 1, got 1.5/);
    assert.strictEqual(checkThreads(undefined), 1);
    assert.strictEqual(resolveThreads(0, 8), 7);
    assert.strictEqual(resolveThreads(0, 1), 1);
    assert.strictEqual(resolveThreads(3, 8), 3);
    // More threads than cores only cost memory (a replica each): capped, as the CLI caps --threads.
    assert.strictEqual(resolveThreads(64, 2), 2);
    assert.strictEqual(resolveThreads(Number.NaN, 4), 3);
    const model = buildModel(CONFIG, VOCAB, VOCAB, 1);
    assert.throws(() => new Trainer(model, data(), { ...BASE, threads: 0 }, () => undefined), /must be a whole number/);
    model.dispose();
  });
});
