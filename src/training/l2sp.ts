/**
 * L2-SP (Li, Grandvalet & Davoine 2018, "Explicit Inductive Bias for Transfer Learning with
 * Convolutional Networks"): while fine-tuning, a penalty `alpha / 2 * ||w - w0||^2` pulls every
 * weight toward its value in the starting (base) model, instead of toward zero as weight decay
 * does. Its gradient `alpha * (w - w0)` is added to the loss gradient before clipping. The anchor
 * is a copy of the weights taken when fine-tuning starts.
 */
import * as tf from '@tensorflow/tfjs';

import type { GradientList } from './optimizers';

export class WeightAnchor {
  private readonly anchors: tf.Tensor[];

  /** Copies the variables' current values (the base model's weights). */
  constructor(variables: readonly tf.Variable[]) {
    this.anchors = variables.map((v) => tf.keep(v.clone()));
  }

  /** Adds `alpha * (w - w0)` to each gradient (model variable order); the inputs are disposed. */
  pull(grads: GradientList, variables: readonly tf.Variable[], alpha: number): GradientList {
    if (!(alpha > 0)) return grads;
    if (variables.length !== this.anchors.length)
      throw new Error('L2-SP: the model has other variables than its anchor');
    const out = grads.map((g, i) => tf.tidy(() => tf.add(g, tf.mul(tf.sub(variables[i]!, this.anchors[i]!), alpha))));
    tf.dispose(grads);
    return out;
  }

  /** `alpha / 2 * ||w - w0||^2` (for reports and tests). */
  penalty(variables: readonly tf.Variable[], alpha: number): number {
    return tf.tidy(() => {
      const sq = variables.map((v, i) => tf.sum(tf.square(tf.sub(v, this.anchors[i]!))));
      return (alpha / 2) * (tf.addN(sq).dataSync()[0] ?? 0);
    });
  }

  dispose(): void {
    tf.dispose(this.anchors);
  }
}
