/**
 * A training batch as plain padded id arrays, the hand-off between batching (src/mining/dataset.ts,
 * which tokenizes, buckets by length and pads) and the model (which turns it into tensors).
 *
 * Conventions: `src` is `[directionToken, ...tokens, EOS]`, `tgtIn` is `[BOS, ...tokens]` and
 * `tgtOut` is `[...tokens, EOS]`; every row is right-padded with PAD_ID to the batch's length.
 * Masks are derived (id !== PAD_ID), so they cannot disagree with the ids.
 */
import * as tf from '@tensorflow/tfjs';
import { PAD_ID } from './specialTokens';

export interface Batch {
  /** [batch, srcLen] */
  readonly src: readonly (readonly number[])[];
  /** [batch, tgtLen] */
  readonly tgtIn: readonly (readonly number[])[];
  /** [batch, tgtLen] */
  readonly tgtOut: readonly (readonly number[])[];
}

export interface BatchTensors {
  /** int32 [batch, srcLen] */
  src: tf.Tensor2D;
  /** float32 [batch, srcLen], 1 on real tokens and 0 on padding */
  srcMask: tf.Tensor2D;
  /** int32 [batch, tgtLen] */
  tgtIn: tf.Tensor2D;
  /** int32 [batch, tgtLen] */
  tgtOut: tf.Tensor2D;
  /** float32 [batch, tgtLen] */
  tgtMask: tf.Tensor2D;
}

function checkRectangular(name: string, rows: readonly (readonly number[])[]): number {
  if (rows.length === 0) throw new Error(`Batch.${name} is empty`);
  const len = rows[0]!.length;
  for (const r of rows) {
    if (r.length !== len) throw new Error(`Batch.${name} rows differ in length (${r.length} vs ${len}); pad them`);
  }
  return len;
}

/** Converts a padded batch to tensors; the caller disposes them (see {@link disposeBatch}). */
export function batchToTensors(batch: Batch): BatchTensors {
  checkRectangular('src', batch.src);
  checkRectangular('tgtIn', batch.tgtIn);
  checkRectangular('tgtOut', batch.tgtOut);
  return tf.tidy(() => {
    const src = tf.tensor2d(batch.src as number[][], undefined, 'int32');
    const tgtIn = tf.tensor2d(batch.tgtIn as number[][], undefined, 'int32');
    const tgtOut = tf.tensor2d(batch.tgtOut as number[][], undefined, 'int32');
    return {
      src,
      srcMask: tf.notEqual(src, PAD_ID).toFloat() as tf.Tensor2D,
      tgtIn,
      tgtOut,
      tgtMask: tf.notEqual(tgtOut, PAD_ID).toFloat() as tf.Tensor2D,
    };
  });
}

export function disposeBatch(t: BatchTensors): void {
  tf.dispose([t.src, t.srcMask, t.tgtIn, t.tgtOut, t.tgtMask]);
}
