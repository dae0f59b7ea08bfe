/**
 * The model contract shared by the recurrent, Transformer and convolutional architectures, and the factory.
 *
 * A model does two things: teacher-forced `logits`/`forward` for training and scoring, and
 * step-wise decoding for search (`encode` once, `initialState`, then `step` per output
 * token). Decoding tensors are bundles whose every part has the batch (beam) on axis 0, so
 * search can reorder or tile beams with one gather per part without knowing the architecture.
 */
import { checkModelSize } from './modelSize';
import * as tf from '@tensorflow/tfjs';

import { ConvSeq2Seq } from './cnn';
import { resolveModelConfig, type ModelConfig } from './config';
import type { NamedWeight } from './layers';
import { RecurrentSeq2Seq } from './rnnModel';
import { TransformerSeq2Seq } from './transformer';

/** Decoding-time tensors, each with the batch on axis 0; opaque outside the model. */
export interface DecodingTensors {
  readonly parts: readonly tf.Tensor[];
  /** Output steps already taken (the Transformer's next position). */
  readonly position: number;
}

export interface StepOutput {
  /** Normalised log-probabilities of the next token `[n, tgtVocab]`. */
  logProbs: tf.Tensor2D;
  /** `[n, S]`: cross-attention (Transformer: last layer, mean over heads); null for 'none'. */
  attention: tf.Tensor2D | null;
  /** `[layers, heads, n, S]` (Transformer; cnn: one head per layer). */
  attentionByLayerHead: tf.Tensor4D | null;
  /**
   * `[n, tgtVocab]`: log of the copy part of `logProbs` (the probability of producing each token
   * by copying it from the source); only for models with a copy mechanism.
   */
  copyLogProbs?: tf.Tensor2D;
  /**
   * `[n, d]`: the decoder's output state that the output projection reads (Transformer): what a
   * {@link DecoderMemory} (decoderMemory.ts) matches against the states it stored.
   */
  hidden?: tf.Tensor2D;
  state: DecodingTensors;
}

export interface ForwardOutput {
  /** `[b, T, tgtVocab]` */
  logits: tf.Tensor3D;
  /** `[b, T, S]` cross-attention (Transformer: last layer, head mean); null for 'none'. */
  attention: tf.Tensor3D | null;
}

export interface Seq2SeqModel {
  readonly config: ModelConfig;
  /** Trainable weights with their stable checkpoint names (`encoder/l0/fw/wx`). */
  readonly weights: readonly NamedWeight[];
  /** The same variables, for optimizers (their tf names carry an instance prefix). */
  readonly variables: readonly tf.Variable[];
  /**
   * @param src int32 `[b, S]` @param srcMask float32 `[b, S]` @param tgtIn int32 `[b, T]`
   * @returns `[b, T, tgtVocab]` unnormalised scores; dropout only when `training`.
   */
  logits(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): tf.Tensor3D;
  /**
   * Teacher-forced log-probability of each `tgtOut` token (int32 `[b, T]`) -> `[b, T]`, without
   * dropout: what scoring needs, computed without the whole `[b, T, tgtVocab]` distribution where
   * the model can (a copying decoder mixes in the copy part for the target tokens only).
   */
  targetLogProbs(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, tgtOut: tf.Tensor2D): tf.Tensor2D;
  /**
   * Teacher-forced decoder output states `[b, T, d]` (what `step` reports as `hidden`, at every
   * target position), without dropout; only models that report `hidden` have it.
   */
  targetStates?(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D): tf.Tensor3D;
  /** Like `logits`, with the cross-attention weights. */
  forward(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): ForwardOutput;
  /** Runs the encoder once and caches what every step needs. `src` `[n, S]`. */
  encode(src: tf.Tensor2D, srcMask: tf.Tensor2D): DecodingTensors;
  /** Decoder state before the first output token. */
  initialState(source: DecodingTensors): DecodingTensors;
  /** One decoder step; `prevTokens` int32 `[n]` (BOS first). Returned tensors are new. */
  step(source: DecodingTensors, state: DecodingTensors, prevTokens: tf.Tensor1D): StepOutput;
  dispose(): void;
}

/** Picks rows (beams) of every part: `rows` int32 `[m]` indexes axis 0. */
export function selectRows(t: DecodingTensors, rows: tf.Tensor1D): DecodingTensors {
  return { parts: t.parts.map((p) => tf.gather(p, rows)), position: t.position };
}

export function disposeDecodingTensors(t: DecodingTensors): void {
  tf.dispose([...t.parts]);
}

/**
 * Builds a freshly initialised model. Throws a `ConfigurationError` naming the bad field for
 * impossible settings. The same seed gives the same weights.
 */
export function buildModel(
  config: Partial<ModelConfig>,
  srcVocabSize: number,
  tgtVocabSize: number,
  seed = 42,
): Seq2SeqModel {
  const resolved = resolveModelConfig(config, srcVocabSize, tgtVocabSize);
  checkModelSize(resolved);
  if (resolved.arch === 'cnn') return new ConvSeq2Seq(resolved, seed);
  return resolved.arch === 'rnn' ? new RecurrentSeq2Seq(resolved, seed) : new TransformerSeq2Seq(resolved, seed);
}
