/**
 * Attention mechanisms for the recurrent decoder, behind one interface.
 *
 * Each mechanism splits its work in two: `prepare` runs once per source (per batch in
 * training, once per sentence in decoding) and caches whatever depends only on the encoder
 * outputs; `attend` scores any number of decoder queries against that cache. Scores at source
 * padding get -1e9 before the softmax, so their weights are exactly 0.
 *
 * - none: the original seq2seq's fixed-size context: the masked mean of the encoder outputs,
 *   the same for every step (no weights).
 * - bahdanau: additive, `v . tanh(W_k m_s + W_q q)`.
 * - luong-dot: `q . m_s` (needs equal sizes).
 * - luong-general: `q . (W m_s)`.
 */
import * as tf from '@tensorflow/tfjs';

import type { AttentionType } from './config';
import { dense, type WeightStore } from './layers';

/** Source-side tensors cached across decoder steps. */
export interface AttentionCache {
  /** Encoder outputs `[b, S, Hm]`. */
  memory: tf.Tensor3D;
  /** float32 `[b, S]`, 1 on real tokens. */
  srcMask: tf.Tensor2D;
  /**
   * Precomputed keys: luong `[b, Hq, S]` (already transposed for a plain-layout matMul),
   * bahdanau `[b, S, A]`, none: the fixed context `[b, Hm]`.
   */
  keys: tf.Tensor;
}

export interface AttentionResult {
  /** `[b, T, Hm]` */
  context: tf.Tensor3D;
  /** `[b, T, S]`, rows sum to 1 over real source tokens; null for 'none'. */
  weights: tf.Tensor3D | null;
}

export interface AttentionMechanism {
  readonly type: AttentionType;
  /** @param memory `[b, S, Hm]` @param srcMask `[b, S]` */
  prepare(memory: tf.Tensor3D, srcMask: tf.Tensor2D): AttentionCache;
  /** @param queries `[b, T, Hq]` decoder states */
  attend(queries: tf.Tensor3D, cache: AttentionCache): AttentionResult;
}

/** Softmax over the last axis with padding masked out. `scores` `[b, T, S]`, `srcMask` `[b, S]`. */
export function maskedSoftmax(scores: tf.Tensor3D, srcMask: tf.Tensor2D): tf.Tensor3D {
  const bias = tf.expandDims(tf.mul(tf.sub(1, srcMask), -1e9), 1); // [b, 1, S]
  return tf.softmax(tf.add(scores, bias)) as tf.Tensor3D;
}

function weightedContext(weights: tf.Tensor3D, memory: tf.Tensor3D): tf.Tensor3D {
  return tf.matMul(weights, memory); // [b, T, S] x [b, S, Hm]
}

class NoAttention implements AttentionMechanism {
  readonly type = 'none' as const;
  prepare(memory: tf.Tensor3D, srcMask: tf.Tensor2D): AttentionCache {
    const m = tf.expandDims(srcMask, 2); // [b, S, 1]
    const keys = tf.div(tf.sum(tf.mul(memory, m), 1), tf.maximum(tf.sum(m, 1), 1)); // [b, Hm]
    return { memory, srcMask, keys };
  }
  attend(queries: tf.Tensor3D, cache: AttentionCache): AttentionResult {
    const [b, T] = queries.shape;
    const context = tf.broadcastTo(tf.expandDims(cache.keys, 1), [b, T, cache.keys.shape[1]!]) as tf.Tensor3D;
    return { context, weights: null };
  }
}

class LuongAttention implements AttentionMechanism {
  constructor(
    readonly type: 'luong-dot' | 'luong-general',
    private readonly w?: tf.Variable, // [Hm, Hq] for general
  ) {}
  prepare(memory: tf.Tensor3D, srcMask: tf.Tensor2D): AttentionCache {
    const projected = this.w ? (dense(memory, this.w as tf.Tensor2D) as tf.Tensor3D) : memory; // [b, S, Hq]
    return { memory, srcMask, keys: tf.transpose(projected, [0, 2, 1]) }; // [b, Hq, S]
  }
  attend(queries: tf.Tensor3D, cache: AttentionCache): AttentionResult {
    const scores = tf.matMul(queries, cache.keys as tf.Tensor3D) as tf.Tensor3D; // [b, T, S]
    const weights = maskedSoftmax(scores, cache.srcMask);
    return { context: weightedContext(weights, cache.memory), weights };
  }
}

class BahdanauAttention implements AttentionMechanism {
  readonly type = 'bahdanau' as const;
  constructor(
    private readonly wk: tf.Variable, // [Hm, A]
    private readonly wq: tf.Variable, // [Hq, A]
    private readonly v: tf.Variable, // [A, 1]
  ) {}
  prepare(memory: tf.Tensor3D, srcMask: tf.Tensor2D): AttentionCache {
    return { memory, srcMask, keys: dense(memory, this.wk as tf.Tensor2D) }; // [b, S, A]
  }
  attend(queries: tf.Tensor3D, cache: AttentionCache): AttentionResult {
    const [b, T] = queries.shape;
    const S = cache.memory.shape[1];
    const q = tf.expandDims(dense(queries, this.wq as tf.Tensor2D), 2); // [b, T, 1, A]
    const k = tf.expandDims(cache.keys, 1); // [b, 1, S, A]
    const e = dense(tf.tanh(tf.add(q, k)), this.v as tf.Tensor2D); // [b, T, S, 1]
    const weights = maskedSoftmax(tf.reshape(e, [b, T, S]), cache.srcMask);
    return { context: weightedContext(weights, cache.memory), weights };
  }
}

/**
 * Builds the mechanism and its weights.
 * @param queryDim decoder state width (Hq), @param memoryDim encoder output width (Hm)
 */
export function createAttention(
  type: AttentionType,
  store: WeightStore,
  queryDim: number,
  memoryDim: number,
): AttentionMechanism {
  switch (type) {
    case 'none':
      return new NoAttention();
    case 'luong-dot':
      if (queryDim !== memoryDim) {
        throw new Error(`luong-dot attention needs equal query (${queryDim}) and memory (${memoryDim}) sizes`);
      }
      return new LuongAttention('luong-dot');
    case 'luong-general':
      return new LuongAttention('luong-general', store.matrix('attention/w', memoryDim, queryDim));
    case 'bahdanau': {
      const a = queryDim;
      return new BahdanauAttention(
        store.matrix('attention/wk', memoryDim, a),
        store.matrix('attention/wq', queryDim, a),
        store.matrix('attention/v', a, 1),
      );
    }
  }
}
