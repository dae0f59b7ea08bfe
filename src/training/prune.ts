/**
 * Magnitude pruning: the smallest weights (by absolute value) of each weight matrix and embedding
 * table are set to zero and kept there (Han et al. 2015). Pruning is per tensor: every matrix
 * loses the same share of its weights, so no layer is emptied while another keeps everything;
 * biases and layer-norm gains (rank 1) are left whole. Gradual pruning raises the sparsity along
 * Zhu & Gupta's (2017) cubic schedule while the model fine-tunes; the masks are applied again
 * after every optimizer update, so a pruned weight stays exactly zero.
 *
 * Zeros do not make the float tensors smaller or faster here; they make the packaged model
 * compress (the `.vsix` is a zip) and show how much of the model matters.
 */
import * as tf from '@tensorflow/tfjs';

import type { NamedWeight } from '../core/layers';
import type { Seq2SeqModel } from '../core/model';

/** The weights pruning touches: every tensor of rank 2 or more (matrices, embedding tables). */
export function prunableWeights(model: Seq2SeqModel): NamedWeight[] {
  return model.weights.filter((w) => w.variable.rank >= 2);
}

/**
 * Sparsity `fraction` (0..1) of the way through gradual pruning towards `target`:
 * target * (1 - (1 - fraction)^3), which prunes fast first and slowly near the end.
 */
export function gradualSparsity(target: number, fraction: number): number {
  const f = Math.min(1, Math.max(0, fraction));
  return target * (1 - Math.pow(1 - f, 3));
}

/** Throws unless `sparsity` is a number in [0, 1). */
export function checkSparsity(sparsity: number, what = 'sparsity'): void {
  if (!(Number.isFinite(sparsity) && sparsity >= 0 && sparsity < 1))
    throw new Error(
      `${what} must be a number from 0 to below 1 (0.5 prunes half of each weight matrix), got ${sparsity}`,
    );
}

/** Masks over a model's prunable weights; `prune` sets them, `apply` keeps the zeros. */
export class MagnitudePruner {
  private readonly weights: NamedWeight[];
  private masks: tf.Tensor[] | null = null;

  constructor(model: Seq2SeqModel) {
    this.weights = prunableWeights(model);
  }

  /**
   * Zeroes the `sparsity` share of each prunable tensor with the smallest absolute values (ties at
   * the threshold are pruned too). Weights already zero count first, so a mask only ever grows.
   */
  prune(sparsity: number): void {
    checkSparsity(sparsity);
    const masks = this.weights.map((w) => {
      const values = w.variable.dataSync() as Float32Array;
      const k = Math.floor(sparsity * values.length);
      if (k === 0) return tf.onesLike(w.variable);
      const sorted = Float32Array.from(values, Math.abs).sort();
      const threshold = sorted[k - 1]!;
      return tf.tidy(() => tf.cast(tf.greater(tf.abs(w.variable), threshold), 'float32'));
    });
    tf.dispose(this.masks ?? []);
    this.masks = masks;
    this.apply();
  }

  /** Multiplies every prunable weight by its mask (after an update, so pruned weights stay zero). */
  apply(): void {
    if (!this.masks) return;
    this.weights.forEach((w, i) => {
      const masked = tf.tidy(() => tf.mul(w.variable, this.masks![i]!));
      w.variable.assign(masked);
      masked.dispose();
    });
  }

  /** The share of exact zeros among the prunable weights' values. */
  sparsity(): number {
    return measuredSparsity(this.weights);
  }

  dispose(): void {
    tf.dispose(this.masks ?? []);
    this.masks = null;
  }
}

/** The share of exact zeros among `weights`' values. */
export function measuredSparsity(weights: readonly NamedWeight[]): number {
  let zeros = 0;
  let total = 0;
  for (const w of weights) {
    const v = w.variable.dataSync();
    for (let i = 0; i < v.length; i++) if (v[i] === 0) zeros++;
    total += v.length;
  }
  return total > 0 ? zeros / total : 0;
}
