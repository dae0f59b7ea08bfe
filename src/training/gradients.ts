/**
 * The gradients of one batch (or one share of a batch) and how a batch is shared out between
 * data-parallel replicas. Used by the trainer on its own thread and by every gradient worker, so
 * both compute exactly the same thing.
 *
 * The loss of a share is its mean over its target tokens, so the whole batch's gradient is the
 * token-weighted mean of the shares' gradients (label smoothing and padding included: both are per
 * token and masked); the trainer's accumulator does that weighting.
 */
import * as tf from '@tensorflow/tfjs';

import { batchToTensors, disposeBatch, type Batch } from '../core/batch';
import { maskedCrossEntropy } from '../core/loss';
import type { Seq2SeqModel } from '../core/model';
import { countTargetTokens } from './evaluation';

/** Loss statistics of one share: the loss and nll are means over its `tokens` target tokens. */
export interface ShareStats {
  readonly loss: number;
  readonly nll: number;
  readonly correct: number;
  readonly tokens: number;
}

/** Gradients in the model's variable order (the caller owns them) with the share's statistics. */
export interface ShareGradients extends ShareStats {
  readonly grads: tf.Tensor[];
}

/** Loss, gradients (model variable order) and token statistics of one batch, with dropout. */
export function batchGradients(model: Seq2SeqModel, batch: Batch, labelSmoothing: number): ShareGradients {
  const t = batchToTensors(batch);
  let stats: tf.Tensor1D | null = null;
  try {
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.logits(t.src, t.srcMask, t.tgtIn, true);
      const loss = maskedCrossEntropy(logits, t.tgtOut, t.tgtMask, labelSmoothing);
      const nll = labelSmoothing > 0 ? maskedCrossEntropy(logits, t.tgtOut, t.tgtMask, 0) : loss;
      const correct = tf.sum(tf.mul(tf.equal(tf.argMax(logits, 2), t.tgtOut).toFloat(), t.tgtMask));
      stats = tf.keep(tf.stack([nll, correct]) as tf.Tensor1D);
      return loss;
    }, model.variables as tf.Variable[]);
    const s = (stats as tf.Tensor1D | null)?.dataSync() ?? [NaN, 0];
    const loss = value.dataSync()[0]!;
    value.dispose();
    const list = model.variables.map((v) => grads[v.name] ?? tf.zerosLike(v));
    return { grads: list, loss, nll: s[0]!, correct: s[1]!, tokens: countTargetTokens(batch) };
  } finally {
    if (stats) (stats as tf.Tensor1D).dispose();
    disposeBatch(t);
  }
}

/**
 * Splits a batch by rows into at most `n` contiguous shares of near-equal size (the first ones
 * take the remainder); fewer shares when the batch has fewer rows. Padding is kept, so every
 * share has the batch's lengths.
 */
export function splitBatch(batch: Batch, n: number): Batch[] {
  const rows = batch.src.length;
  const shares = Math.max(1, Math.min(n, rows));
  const out: Batch[] = [];
  let start = 0;
  for (let k = 0; k < shares; k++) {
    const size = Math.floor(rows / shares) + (k < rows % shares ? 1 : 0);
    const end = start + size;
    out.push({
      src: batch.src.slice(start, end),
      tgtIn: batch.tgtIn.slice(start, end),
      tgtOut: batch.tgtOut.slice(start, end),
    });
    start = end;
  }
  return out;
}
