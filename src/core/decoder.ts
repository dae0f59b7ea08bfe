/**
 * The recurrent decoder: target embedding, 1-N GRU/LSTM layers, one attention mechanism and
 * the output layer `logits = W_o tanh(W_c [h_t; c_t])`.
 *
 * Two schedules, one set of weights:
 * - Luong (dot/general) and none: attention reads the current top state, so the recurrent
 *   stack runs over all target steps first (inputs projected in one matMul per layer) and
 *   attention for every step is one batched product.
 * - Bahdanau: attention reads the previous top state and its context is part of the first
 *   layer's input, so it runs step by step; the embedding part of that input is still
 *   projected for all steps at once.
 * Step-wise decoding is the same code with T = 1, so teacher-forced and incremental outputs
 * agree by construction.
 *
 * With `copy` (pointer-generator, See et al. 2017) the output is a distribution, not scores:
 * `p = g * softmax(logits) + (1 - g) * sum_s a_s [src_s = v]` with the gate
 * `g = sigmoid(w_g [tanh(W_c [h_t; c_t]); x_t] + b_g)`, returned as `log p`; attention on special
 * tokens (direction, EOS) is not copied but added to the generator's share. Log-probabilities
 * are valid logits (their log-softmax is themselves), so the loss, scoring and search need no
 * special case. The copy part is a scatter-add of the attention weights onto the source tokens'
 * ids (`unsortedSegmentSum`, whose gradient is a gather): as a product with the one-hot source it
 * cost `b·T·S·V` multiply-adds, and a beam-4 decode step took 7 ms more on wasm. The mixture
 * ({@link copyParts}, {@link copyOutput}, {@link copyTargetLogProbs}) is shared with the Transformer.
 */
import * as tf from '@tensorflow/tfjs';

import { createAttention, type AttentionCache, type AttentionMechanism } from './attention';
import type { ModelConfig } from './config';
import type { StepOutput } from './model';
import { dense, embed, maybeDropout, type SeededRandom, type WeightStore } from './layers';
import {
  createRecurrentParams,
  recurrentStep,
  runRecurrentLayer,
  type RecurrentParams,
  type RecurrentState,
} from './recurrent';
import { tokenLogProbs } from './loss';
import { SPECIAL_TOKENS } from './specialTokens';

export interface DecoderRun {
  /** `[b, T, V]` (log-probabilities with `copy`) */
  logits: tf.Tensor3D;
  /** `[b, T, S]`, null without attention weights ('none') */
  attention: tf.Tensor3D | null;
  /** State of each layer after the last step. */
  states: RecurrentState[];
  /** `[b, T, V]` with `copy`, outside training: log of the copy part of the output distribution. */
  copyLogProbs?: tf.Tensor3D;
}

export class RecurrentDecoder {
  readonly attention: AttentionMechanism;
  private readonly embedding: tf.Variable;
  private readonly layers: RecurrentParams[] = [];
  private readonly wc: tf.Variable;
  private readonly bc: tf.Variable;
  private readonly wo?: tf.Variable;
  private readonly bo: tf.Variable;
  private readonly wg?: tf.Variable;
  private readonly bg?: tf.Variable;

  constructor(
    private readonly config: ModelConfig,
    store: WeightStore,
    private readonly rng: SeededRandom,
    private readonly memoryDim: number,
  ) {
    const { embeddingDim: E, hiddenDim: H, cell, tgtVocabSize: V } = config;
    this.embedding = store.embedding('decoder/embedding', [V, E], { uniform: 0.1 });
    const feedsContext = config.attention === 'bahdanau';
    for (let l = 0; l < config.decoderLayers; l++) {
      const inDim = l === 0 ? E + (feedsContext ? memoryDim : 0) : H;
      this.layers.push(createRecurrentParams(store, `decoder/l${l}`, cell, inDim, H));
    }
    this.attention = createAttention(config.attention, store, H, memoryDim);
    this.wc = store.matrix('decoder/combine/w', H + memoryDim, H);
    this.bc = store.constant('decoder/combine/b', [H], 0);
    if (!config.tieEmbeddings) this.wo = store.matrix('decoder/output/w', H, V);
    this.bo = store.constant('decoder/output/b', [V], 0);
    if (config.copy) {
      this.wg = store.matrix('decoder/copy/w', H + E, 1);
      this.bg = store.constant('decoder/copy/b', [1], 0);
    }
  }

  /** Caches the source side for every later step. `memory` `[b, S, Hm]`, `srcMask` `[b, S]`. */
  prepare(memory: tf.Tensor3D, srcMask: tf.Tensor2D): AttentionCache {
    return this.attention.prepare(memory, srcMask);
  }

  /**
   * Teacher-forced run over `tgtIn` int32 `[b, T]` from `init` (one state per layer); `src`
   * int32 `[b, S]` is what a copying decoder copies from.
   */
  run(
    cache: AttentionCache,
    tgtIn: tf.Tensor2D,
    init: readonly RecurrentState[],
    training: boolean,
    src?: tf.Tensor2D,
  ): DecoderRun {
    const { x, r } = this.steps(cache, tgtIn, init, training);
    const out = this.output(r.h, r.context, training, x, r.attention, src);
    return { ...out, attention: r.attention, states: r.states };
  }

  /**
   * Teacher-forced log-probability of each `tgtOut` token `[b, T]` (no dropout). The vocabulary
   * enters through its log-sum-exp only; with `copy`, the copy part is summed for the target
   * tokens alone (`[b, T, S]`) instead of scattered over the whole vocabulary, so scoring many
   * candidates (code search) skips most of the `[b, T, V]` work of {@link run}. Equal to the
   * target entries of `run`'s output up to rounding.
   */
  targetLogProbs(
    cache: AttentionCache,
    tgtIn: tf.Tensor2D,
    tgtOut: tf.Tensor2D,
    init: readonly RecurrentState[],
    src?: tf.Tensor2D,
  ): tf.Tensor2D {
    const { x, r } = this.steps(cache, tgtIn, init, false);
    const { combined, logits } = this.outputLogits(r.h, r.context, false);
    if (!this.wg) return tokenLogProbs(logits, tgtOut);
    if (!src || !r.attention) throw new Error('a copying decoder needs the source ids and attention weights');
    const parts = copyParts(tf.concat([combined, x], 2), this.wg, this.bg!, r.attention, src);
    return copyTargetLogProbs(logits, parts, src, tgtOut);
  }

  /** Embeds `tgtIn` (dropout when training) and runs the recurrent stack and attention over it. */
  private steps(
    cache: AttentionCache,
    tgtIn: tf.Tensor2D,
    init: readonly RecurrentState[],
    training: boolean,
  ): { x: tf.Tensor3D; r: Steps } {
    const x = maybeDropout(
      embed(this.embedding as tf.Tensor2D, tgtIn, training),
      this.config.dropout,
      training,
      this.rng,
    ) as tf.Tensor3D;
    const r =
      this.config.attention === 'bahdanau'
        ? this.runStepwise(cache, x, init, training)
        : this.runLayered(cache, x, init, training);
    return { x, r };
  }

  private runLayered(
    cache: AttentionCache,
    emb: tf.Tensor3D,
    init: readonly RecurrentState[],
    training: boolean,
  ): Steps {
    let x = emb;
    const states: RecurrentState[] = [];
    this.layers.forEach((p, l) => {
      if (l > 0) x = maybeDropout(x, this.config.dropout, training, this.rng) as tf.Tensor3D;
      const r = runRecurrentLayer(p, x, init[l]!);
      x = r.outputs;
      states.push(r.final);
    });
    const { context, weights } = this.attention.attend(x, cache);
    return { h: x, context, attention: weights, states };
  }

  private runStepwise(
    cache: AttentionCache,
    emb: tf.Tensor3D,
    init: readonly RecurrentState[],
    training: boolean,
  ): Steps {
    const { embeddingDim: E, dropout } = this.config;
    const [b, T] = emb.shape;
    const first = this.layers[0]!;
    const wxEmb = tf.slice(first.wx, [0, 0], [E, -1]) as tf.Tensor2D;
    const wxCtx = tf.slice(first.wx, [E, 0], [-1, -1]) as tf.Tensor2D;
    // [T, b, G*H]: embedding part of the first layer's input for every step at once.
    const embSteps = tf.unstack(tf.transpose(dense(emb, wxEmb, first.bx as tf.Tensor1D), [1, 0, 2])) as tf.Tensor2D[];
    const states = [...init];
    const tops: tf.Tensor2D[] = [];
    const contexts: tf.Tensor2D[] = [];
    const weights: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const query = tf.expandDims(states[states.length - 1]!.h, 1) as tf.Tensor3D; // [b, 1, H]
      const att = this.attention.attend(query, cache);
      const ctx = tf.reshape(att.context, [b, this.memoryDim]) as tf.Tensor2D;
      contexts.push(ctx);
      weights.push(tf.reshape(att.weights!, [b, -1]) as tf.Tensor2D);
      states[0] = recurrentStep(first, tf.add(embSteps[t]!, tf.matMul(ctx, wxCtx)) as tf.Tensor2D, states[0]!);
      for (let l = 1; l < this.layers.length; l++) {
        const p = this.layers[l]!;
        const below = maybeDropout(states[l - 1]!.h, dropout, training, this.rng) as tf.Tensor2D;
        states[l] = recurrentStep(p, dense(below, p.wx as tf.Tensor2D, p.bx as tf.Tensor1D) as tf.Tensor2D, states[l]!);
      }
      tops.push(states[states.length - 1]!.h);
    }
    const h = tf.stack(tops, 1) as tf.Tensor3D;
    const context = tf.stack(contexts, 1) as tf.Tensor3D;
    return { h, context, attention: tf.stack(weights, 1) as tf.Tensor3D, states };
  }

  /**
   * `h` `[b, T, H]`, `context` `[b, T, Hm]` -> logits `[b, T, V]`; with `copy`, the log of the
   * mix of generating and copying (`emb` `[b, T, E]`, `attention` `[b, T, S]`, `src` `[b, S]`).
   */
  private output(
    h: tf.Tensor3D,
    context: tf.Tensor3D,
    training: boolean,
    emb: tf.Tensor3D,
    attention: tf.Tensor3D | null,
    src?: tf.Tensor2D,
  ): { logits: tf.Tensor3D; copyLogProbs?: tf.Tensor3D } {
    const { combined, logits } = this.outputLogits(h, context, training);
    if (!this.wg) return { logits };
    if (!src || !attention) throw new Error('a copying decoder needs the source ids and attention weights');
    const parts = copyParts(tf.concat([combined, emb], 2), this.wg, this.bg!, attention, src);
    return copyOutput(logits, parts, src, training);
  }

  /** `combined = tanh(W_c [h; context])` (before dropout) and the generator's logits `[b, T, V]`. */
  private outputLogits(
    h: tf.Tensor3D,
    context: tf.Tensor3D,
    training: boolean,
  ): { combined: tf.Tensor3D; logits: tf.Tensor3D } {
    const combined = tf.tanh(dense(tf.concat([h, context], 2), this.wc as tf.Tensor2D, this.bc as tf.Tensor1D));
    const out = maybeDropout(combined, this.config.dropout, training, this.rng);
    const wo = this.wo ? (this.wo as tf.Tensor2D) : (tf.transpose(this.embedding) as tf.Tensor2D);
    return { combined: combined as tf.Tensor3D, logits: dense(out, wo, this.bo as tf.Tensor1D) as tf.Tensor3D };
  }
}

/**
 * `attention` `[b, T, S]`, `src` int32 `[b, S]` -> `[b, T, V]`: at each step, the attention mass
 * of every source position added onto that position's token id.
 */
export function copyDistribution(attention: tf.Tensor3D, src: tf.Tensor2D, vocabSize: number): tf.Tensor3D {
  return tf.tidy(() => {
    const [b, T, S] = attention.shape;
    // Segment of (row, step, position): (row * T + step) * V + src[row, position].
    const rows = tf.reshape(tf.mul(tf.range(0, b * T, 1, 'int32'), tf.scalar(vocabSize, 'int32')), [b, T, 1]);
    const segments = tf.add(rows, tf.reshape(src, [b, 1, S]));
    const summed = tf.unsortedSegmentSum(
      tf.reshape(attention, [-1]),
      tf.reshape(segments, [-1]) as tf.Tensor1D,
      b * T * vocabSize,
    );
    return tf.reshape(summed, [b, T, vocabSize]) as tf.Tensor3D;
  });
}

/** Source ids below this are special tokens, which are never copied. */
const FIRST_WORD_ID = SPECIAL_TOKENS.length;

/** Added to the mixed probabilities before the log, so an impossible token costs ~41 nats, not infinity. */
export const COPY_FLOOR = 1e-18;

/** The gate and attention terms of a pointer-generator output (see {@link copyParts}). */
export interface CopyParts {
  /** `[b, T, 1]` the generator's share before special-token attention is handed back to it */
  gate: tf.Tensor3D;
  /** `[b, T, S]` the attention on word (non-special) source tokens */
  wordAttention: tf.Tensor3D;
  /** `[b, T, 1]` the share of the output that is copied: `(1 - gate) * sum_s wordAttention` */
  copyShare: tf.Tensor3D;
}

/**
 * A layered decoder's step result from what its `tf.tidy` returned, in this order: log-probs,
 * the attention shown by default, the attention by layer and head, the copy part (copying models
 * only), then the new state's tensors. Shared by the Transformer and the convolutional decoder.
 */
export function layeredStepOutput(out: readonly tf.Tensor[], copying: boolean, position: number): StepOutput {
  return {
    logProbs: out[0] as tf.Tensor2D,
    attention: out[1] as tf.Tensor2D,
    attentionByLayerHead: out[2] as tf.Tensor4D,
    ...(copying ? { copyLogProbs: out[3] as tf.Tensor2D } : {}),
    state: { parts: out.slice(copying ? 4 : 3), position: position + 1 },
  };
}

/**
 * The copy gate `gate = sigmoid(features @ wg + bg)` (`features` `[b, T, F]`, `wg` `[F, 1]`, `bg`
 * `[1]`), the attention on word tokens (`attention` `[b, T, S]`, `src` int32 `[b, S]`) and the
 * share of the output that is copied. Shared by every architecture with a copy mechanism.
 */
export function copyParts(
  features: tf.Tensor3D,
  wg: tf.Tensor,
  bg: tf.Tensor,
  attention: tf.Tensor3D,
  src: tf.Tensor2D,
): CopyParts {
  const gate = tf.sigmoid(dense(features, wg as tf.Tensor2D, bg as tf.Tensor1D)); // [b, T, 1]
  // Special tokens (direction, EOS, <unk>) are markers, not words: their attention mass goes to
  // the generator, so EOS is generated when the comment is complete, never copied from the end
  // of the source because the attention came to rest there.
  const words = tf.cast(tf.greaterEqual(src, FIRST_WORD_ID), 'float32').reshape([src.shape[0], 1, src.shape[1]]);
  const wordAttention = tf.mul(attention, words) as tf.Tensor3D;
  const copyShare = tf.mul(tf.sub(1, gate), tf.sum(wordAttention, 2, true)) as tf.Tensor3D;
  return { gate: gate as tf.Tensor3D, wordAttention, copyShare };
}

/**
 * The pointer-generator output from the generator's `logits` `[b, T, V]`:
 * `log((1 - copyShare) * softmax(logits) + (1 - gate) * copyDistribution(wordAttention) + floor)`,
 * and, outside training, the log of the copy part alone (`copyLogProbs`), which decoding reports.
 */
export function copyOutput(
  logits: tf.Tensor3D,
  parts: CopyParts,
  src: tf.Tensor2D,
  training: boolean,
): { logits: tf.Tensor3D; copyLogProbs?: tf.Tensor3D } {
  const { gate, wordAttention, copyShare } = parts;
  const copied = copyDistribution(wordAttention, src, logits.shape[2]);
  const copyPart = tf.mul(tf.sub(1, gate), copied);
  const p = tf.add(tf.mul(tf.sub(1, copyShare), tf.softmax(logits)), copyPart);
  const logProbs = tf.log(tf.add(p, COPY_FLOOR)) as tf.Tensor3D;
  // Decoding reports the copied share of each token; a training step has no use for it.
  if (training) return { logits: logProbs };
  return { logits: logProbs, copyLogProbs: tf.log(tf.add(copyPart, COPY_FLOOR)) as tf.Tensor3D };
}

/**
 * The entries of {@link copyOutput}'s log-probabilities at the `tgtOut` tokens (int32 `[b, T]`),
 * without the `[b, T, V]` mixture: the vocabulary enters through the generator's log-sum-exp, and
 * the copy part is summed for the target tokens alone (`[b, T, S]`).
 */
export function copyTargetLogProbs(
  logits: tf.Tensor3D,
  parts: CopyParts,
  src: tf.Tensor2D,
  tgtOut: tf.Tensor2D,
): tf.Tensor2D {
  const { gate, wordAttention, copyShare } = parts;
  const generated = tokenLogProbs(logits, tgtOut);
  const [b, T] = tgtOut.shape;
  const same = tf.cast(tf.equal(tf.reshape(src, [b, 1, -1]), tf.reshape(tgtOut, [b, T, 1])), 'float32');
  const copiedTarget = tf.sum(tf.mul(wordAttention, same), 2); // [b, T]
  const p = tf.add(
    tf.mul(tf.squeeze(tf.sub(1, copyShare), [2]), tf.exp(generated)),
    tf.mul(tf.squeeze(tf.sub(1, gate), [2]), copiedTarget),
  );
  return tf.log(tf.add(p, COPY_FLOOR)) as tf.Tensor2D;
}

/** What the recurrent stack and attention produce before the output layer. */
interface Steps {
  /** `[b, T, H]` top-layer states */
  h: tf.Tensor3D;
  /** `[b, T, Hm]` */
  context: tf.Tensor3D;
  attention: tf.Tensor3D | null;
  states: RecurrentState[];
}
