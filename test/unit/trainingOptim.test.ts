/** Optimizers, learning-rate schedules and gradient post-processing. */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';
import {
  GradientAccumulator,
  addWeightDecay,
  applyGradients,
  clipByGlobalNorm,
  createOptimizer,
  globalNorm,
  setLearningRate,
  OPTIMIZER_NAMES,
} from '../../src/training/optimizers';
import { createSchedule } from '../../src/training/schedules';
import { selectBackend } from '../../src/core/backend';

describe('training/schedules', () => {
  it('noam warms up linearly to the base rate then decays as 1/sqrt(step)', () => {
    const s = createSchedule({ kind: 'noam', warmupSteps: 100 }, 1e-3);
    assert.ok(Math.abs(s.rate(50) - 5e-4) < 1e-12);
    assert.ok(Math.abs(s.rate(100) - 1e-3) < 1e-12);
    assert.ok(Math.abs(s.rate(400) - 5e-4) < 1e-12);
  });

  it('cosine goes from base to minRate', () => {
    const s = createSchedule({ kind: 'cosine', warmupSteps: 10, totalSteps: 110, minRate: 1e-4 }, 1e-3);
    assert.ok(Math.abs(s.rate(5) - 5e-4) < 1e-12);
    assert.ok(Math.abs(s.rate(10) - 1e-3) < 1e-12);
    assert.ok(Math.abs(s.rate(60) - 5.5e-4) < 1e-12);
    assert.ok(Math.abs(s.rate(110) - 1e-4) < 1e-12);
    assert.ok(Math.abs(s.rate(500) - 1e-4) < 1e-12);
  });

  it('reduce-on-plateau lowers the rate after `patience` bad evaluations and restores its state', () => {
    const s = createSchedule({ kind: 'plateau', factor: 0.5, patience: 1 }, 1);
    s.observe(3);
    s.observe(2);
    s.observe(2.5);
    assert.strictEqual(s.rate(1), 1);
    s.observe(2.1);
    assert.strictEqual(s.rate(1), 0.5);
    const again = createSchedule({ kind: 'plateau', factor: 0.5, patience: 1 }, 1);
    again.restore(s.state());
    again.observe(2.2);
    again.observe(2.2);
    assert.strictEqual(again.rate(1), 0.25);
    assert.strictEqual(createSchedule({ kind: 'constant' }, 0.3).rate(1000), 0.3);
  });
});

describe('training/optimizers', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('each optimizer lowers a quadratic, and the rate set per step is the one used', () => {
    for (const name of OPTIMIZER_NAMES) {
      const w = tf.variable(tf.tensor1d([3, -2]));
      const opt = createOptimizer({ name, learningRate: 0.1 });
      const lossOf = (): number => tf.tidy(() => tf.sum(tf.square(w)).dataSync()[0]!);
      const start = lossOf();
      setLearningRate(opt, 0);
      for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
      if (name !== 'adagrad' && name !== 'rmsprop')
        assert.strictEqual(lossOf(), start, `${name}: rate 0 changed the weights`);
      setLearningRate(opt, 0.1);
      for (let i = 0; i < 20; i++) opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, false, [w]);
      assert.ok(lossOf() < start * 0.8, `${name} did not descend: ${start} -> ${lossOf()}`);
      opt.dispose();
      w.dispose();
    }
  });

  it('SGD with rate 2x makes a 2x first update (setLearningRate takes effect)', () => {
    const delta = (lr: number): number => {
      const w = tf.variable(tf.scalar(1));
      const opt = createOptimizer({ name: 'sgd', learningRate: 1, momentum: 0 });
      setLearningRate(opt, lr);
      applyGradients(opt, [w], [tf.scalar(1)]);
      const d = 1 - w.dataSync()[0]!;
      w.dispose();
      opt.dispose();
      return d;
    };
    assert.ok(Math.abs(delta(0.2) - 2 * delta(0.1)) < 1e-6);
    assert.ok(Math.abs(delta(0.1) - 0.1) < 1e-6);
  });

  it('clips by global norm only above the limit, and reports the norm before clipping', () => {
    const g = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])];
    const { grads, norm } = clipByGlobalNorm(g, 1);
    assert.ok(Math.abs(norm - 5) < 1e-5);
    assert.ok(Math.abs(globalNorm(grads) - 1) < 1e-5);
    const small = [tf.tensor1d([0.3, 0.4])];
    const kept = clipByGlobalNorm(small, 1);
    assert.strictEqual(kept.grads[0], small[0]);
    tf.dispose([...grads, ...kept.grads]);
  });

  it('weight decay adds decay * w; the accumulator averages with weights', () => {
    const v = tf.variable(tf.tensor1d([2, 4]));
    const [d] = addWeightDecay([tf.tensor1d([1, 1])], [v], 0.5);
    assert.deepStrictEqual(Array.from(d!.dataSync()), [2, 3]);
    const acc = new GradientAccumulator();
    acc.add([tf.tensor1d([1, 1])], 1);
    acc.add([tf.tensor1d([4, 0])], 3);
    assert.strictEqual(acc.count, 2);
    const [m] = acc.take();
    assert.deepStrictEqual(Array.from(m!.dataSync()), [13 / 4, 1 / 4]);
    tf.dispose([d!, m!, v]);
  });
});
