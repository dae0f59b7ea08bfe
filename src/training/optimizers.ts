/**
 * Optimizers (TensorFlow.js `tf.train.*`) behind one config record, a way to change their rate
 * every step (schedules), and gradient post-processing: L2 weight decay, clipping by global norm,
 * and accumulation over micro-batches for large effective batches.
 *
 * tfjs optimizers keep their slot variables (Adam moments, accumulators) by position in the
 * gradient map, so gradients are always passed in the model's variable order; the saved state
 * (trainState.ts) relies on that order too.
 */
import * as tf from '@tensorflow/tfjs';

export type OptimizerName = 'adam' | 'adagrad' | 'rmsprop' | 'sgd';
export const OPTIMIZER_NAMES: readonly OptimizerName[] = ['adam', 'adagrad', 'rmsprop', 'sgd'];

export interface OptimizerConfig {
  readonly name: OptimizerName;
  /** Base learning rate (schedules scale it). */
  readonly learningRate: number;
  /** Adam. Default 0.9 / 0.98 (Transformer practice). */
  readonly beta1?: number;
  readonly beta2?: number;
  /** Adam / RMSProp epsilon. Default 1e-8 (Adam 1e-9). */
  readonly epsilon?: number;
  /** SGD / RMSProp momentum. Default 0.9 for sgd, 0 for rmsprop. */
  readonly momentum?: number;
}

export function createOptimizer(config: OptimizerConfig): tf.Optimizer {
  const lr = config.learningRate;
  if (!(Number.isFinite(lr) && lr > 0)) throw new Error(`learningRate must be > 0, got ${lr}`);
  switch (config.name) {
    case 'adam':
      return tf.train.adam(lr, config.beta1 ?? 0.9, config.beta2 ?? 0.98, config.epsilon ?? 1e-9);
    case 'adagrad':
      return tf.train.adagrad(lr);
    case 'rmsprop':
      return tf.train.rmsprop(lr, 0.9, config.momentum ?? 0, config.epsilon ?? 1e-8);
    case 'sgd':
      return tf.train.momentum(lr, config.momentum ?? 0.9);
    default: {
      const bad: never = config.name;
      throw new Error(`unknown optimizer "${String(bad)}": use adam, adagrad, rmsprop or sgd`);
    }
  }
}

/** Sets the rate used by the next `applyGradients` (every tf.train optimizer reads this field). */
export function setLearningRate(optimizer: tf.Optimizer, rate: number): void {
  // Not `instanceof`: tfjs optimizers answer instanceof by duck typing, so every one "is" an SGD.
  const o = optimizer as unknown as { learningRate: number; setLearningRate?: (r: number) => void };
  if (typeof o.setLearningRate === 'function') o.setLearningRate(rate);
  else o.learningRate = rate;
}

/** Gradients in the model's variable order; `tf.Tensor` per variable. */
export type GradientList = tf.Tensor[];

/** sqrt(sum of squares of every gradient). */
export function globalNorm(grads: readonly tf.Tensor[]): number {
  return tf.tidy(() => {
    const sq = grads.map((g) => tf.sum(tf.square(g)));
    return Math.sqrt(tf.addN(sq).dataSync()[0] ?? 0);
  });
}

/**
 * Scales all gradients by min(1, maxNorm / norm). Returns new tensors and the norm before
 * clipping; inputs are disposed. `maxNorm <= 0` disables clipping.
 */
export function clipByGlobalNorm(grads: GradientList, maxNorm: number): { grads: GradientList; norm: number } {
  const norm = globalNorm(grads);
  if (!(maxNorm > 0) || norm <= maxNorm) return { grads, norm };
  const scale = maxNorm / (norm + 1e-6);
  const out = grads.map((g) => tf.mul(g, scale));
  tf.dispose(grads);
  return { grads: out, norm };
}

/** Adds `decay * w` to each gradient (L2 regularisation). Inputs are disposed. */
export function addWeightDecay(grads: GradientList, variables: readonly tf.Variable[], decay: number): GradientList {
  if (!(decay > 0)) return grads;
  const out = grads.map((g, i) => tf.tidy(() => tf.add(g, tf.mul(variables[i]!, decay))));
  tf.dispose(grads);
  return out;
}

/** Sums micro-batch gradients (weighted) and hands back their weighted mean. */
export class GradientAccumulator {
  private sum: GradientList | null = null;
  private weight = 0;
  count = 0;

  /** Adds `grads * w` (the caller's tensors are disposed). */
  add(grads: GradientList, w = 1): void {
    if (this.sum === null) {
      this.sum = w === 1 ? grads : grads.map((g) => tf.mul(g, w));
      if (w !== 1) tf.dispose(grads);
    } else {
      const prev = this.sum;
      this.sum = prev.map((s, i) => tf.tidy(() => tf.add(s, w === 1 ? grads[i]! : tf.mul(grads[i]!, w))));
      tf.dispose(prev);
      tf.dispose(grads);
    }
    this.weight += w;
    this.count++;
  }

  /** The weighted mean so far (caller owns it); resets the accumulator. */
  take(): GradientList {
    if (this.sum === null) throw new Error('no gradients accumulated');
    const sum = this.sum;
    const out = this.weight === 1 ? sum : sum.map((s) => tf.div(s, this.weight));
    if (this.weight !== 1) tf.dispose(sum);
    this.sum = null;
    this.weight = 0;
    this.count = 0;
    return out;
  }

  dispose(): void {
    if (this.sum) tf.dispose(this.sum);
    this.sum = null;
    this.weight = 0;
    this.count = 0;
  }
}

/** Applies gradients (model variable order) with the optimizer. Gradients are disposed. */
export function applyGradients(optimizer: tf.Optimizer, variables: readonly tf.Variable[], grads: GradientList): void {
  const map: tf.NamedTensorMap = {};
  variables.forEach((v, i) => (map[v.name] = grads[i]!));
  optimizer.applyGradients(map);
  tf.dispose(grads);
}
