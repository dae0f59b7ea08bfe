/**
 * The convolutional encoder-decoder (Gehring et al. 2017, "Convolutional Sequence to Sequence
 * Learning", as fairseq's `fconv` builds it, without weight normalisation):
 *
 * - Embeddings: token plus learned position embedding (`[vocab, E]`, `[positions, E]`), dropout,
 *   then a linear map to the convolution width C (`in`).
 * - Each layer: dropout, a 1-D convolution of width k from C to 2C channels, a gated linear unit
 *   `a * sigmoid(b)` over its two halves, and a residual connection `(x + layer(x)) * sqrt(0.5)`.
 *   The encoder's convolutions are centred (zero padding (k-1)/2 left, k/2 right) and its
 *   padding positions are zeroed before each convolution, so a padded row computes what it would
 *   alone; the decoder's are causal (k-1 zeros on the left), so position t sees targets <= t.
 * - Encoder output: `z = out(x)` (`[b, S, E]`), the attention's keys, and `z + e` (times
 *   sqrt(0.5), `e` the source embedding), its values.
 * - Multi-step attention in every decoder layer l, on the GLU output h:
 *   `d = (in_l(h) + g) * sqrt(0.5)` (`g` the target embedding), `a = softmax(d z^T)` over real
 *   source tokens, `c = a (z + e) sqrt(0.5) * sqrt(m)` (m real source tokens: the paper's m·sqrt(1/m)
 *   scaling), and the layer's output `((out_l(c) + h) * sqrt(0.5) + x) * sqrt(0.5)`.
 * - Output: `out(x)` back to E, dropout, then the output projection to the vocabulary (or the
 *   target embedding transposed when `tieEmbeddings`).
 *
 * A convolution of width k is one matrix product on the k shifted copies of its input laid side
 * by side (`[b, T, k*C] @ [k*C, 2C]`; the weight `conv/w` is the `[k, C, 2C]` filter flattened, a
 * dense `[in, out]` matrix like every other), which runs and trains on every backend.
 * Weights start as the config's `init` scheme starts matrices and embeddings (under the default,
 * every matrix Glorot uniform and the embeddings N(0, 0.1) as fairseq's); there is no weight
 * normalisation, so the paper's initialisation, which assumes it, is not used.
 *
 * Decoding is incremental: the decoder state holds, per layer, the last k-1 inputs of its
 * convolution (`[n, k-1, C]`, zeros before the first step, exactly the causal padding), so a step
 * costs one k-wide product per layer, not a pass over the prefix.
 * Decoding bundles: source parts `[keys zT [n, E, S], values [n, S, E], srcMask [n, S], scale
 * [n, 1, 1], (src ids when copying)]`; state parts `[window_0, ..., window_L-1]`.
 *
 * With `copy` the output is the pointer-generator of decoder.ts (shared with the Transformer):
 * the gate reads `[y_t; g_t]` (`y_t` the decoder's final E-wide output, the output projection's
 * input before dropout, `g_t` the step's embedded input) and the copy attention is the last
 * decoder layer's, the attention `forward` reports.
 */
import * as tf from '@tensorflow/tfjs';

import { maskedSoftmax } from './attention';
import type { ModelConfig } from './config';
import { copyOutput, copyParts, copyTargetLogProbs, layeredStepOutput } from './decoder';
import { dense, embed, maybeDropout, SeededRandom, WeightStore, type NamedWeight } from './layers';
import { tokenLogProbs } from './loss';
import type { DecodingTensors, ForwardOutput, Seq2SeqModel, StepOutput } from './model';

type V = tf.Variable;
const HALF = Math.sqrt(0.5);

interface Linear {
  w: V;
  b: V;
}
interface DecoderLayer {
  conv: Linear;
  /** Attention: decoder state C -> embedding E, and the context E -> C. */
  attIn: Linear;
  attOut: Linear;
}

/** The source as every decoder layer reads it. */
interface Source {
  /** `[b, E, S]` keys z, transposed for a plain-layout product */
  keysT: tf.Tensor3D;
  /** `[b, S, E]` values (z + e) * sqrt(0.5) */
  values: tf.Tensor3D;
  /** float32 `[b, S]` */
  srcMask: tf.Tensor2D;
  /** `[b, 1, 1]` sqrt of the real source length */
  scale: tf.Tensor3D;
}

/** What one decoder pass produces. */
interface DecoderPass {
  /** `[b, T, V]` the generator's logits */
  logits: tf.Tensor3D;
  /** `[b, T, E]` the final output before dropout (the output projection's input) */
  out: tf.Tensor3D;
  /** `[b, T, E]` the embedded input (token plus position, after dropout) */
  emb: tf.Tensor3D;
  /** `[b, T, S]` attention weights per layer */
  weights: tf.Tensor3D[];
  /** `[b, k-1, C]` the last k-1 inputs of each layer's convolution */
  windows: tf.Tensor3D[];
}

export class ConvSeq2Seq implements Seq2SeqModel {
  readonly weights: readonly NamedWeight[];
  readonly variables: readonly tf.Variable[];
  private readonly store: WeightStore;
  private readonly rng: SeededRandom;
  private readonly srcEmb: V;
  private readonly srcPos: V;
  private readonly encIn: Linear;
  private readonly encConvs: Linear[] = [];
  private readonly encOut: Linear;
  private readonly tgtEmb: V;
  private readonly tgtPos: V;
  private readonly decIn: Linear;
  private readonly decLayers: DecoderLayer[] = [];
  private readonly decOut: Linear;
  private readonly wout?: V;
  private readonly bout: V;
  /** Copy gate `[2E, 1]` and its bias `[1]` (with `copy`). */
  private readonly wg?: V;
  private readonly bg?: V;

  constructor(
    readonly config: ModelConfig,
    seed: number,
  ) {
    const s = (this.store = new WeightStore(new SeededRandom(seed), config.init));
    this.rng = new SeededRandom((seed ^ 0x9e3779b9) >>> 0);
    const { embeddingDim: E, hiddenDim: C, kernelWidth: k } = config;
    const linear = (n: string, fanIn: number, fanOut: number): Linear => ({
      w: s.matrix(`${n}/w`, fanIn, fanOut),
      b: s.constant(`${n}/b`, [fanOut], 0),
    });
    // Embeddings N(0, 0.1) as fairseq's fconv starts them (the init scheme's own where it has one).
    this.srcEmb = s.embedding('encoder/embedding', [config.srcVocabSize, E], { normal: 0.1 });
    this.srcPos = s.embedding('encoder/positions', [config.maxSrcLen, E], { normal: 0.1 });
    this.encIn = linear('encoder/in', E, C);
    for (let l = 0; l < config.encoderLayers; l++) this.encConvs.push(linear(`encoder/l${l}/conv`, k * C, 2 * C));
    this.encOut = linear('encoder/out', C, E);
    this.tgtEmb = s.embedding('decoder/embedding', [config.tgtVocabSize, E], { normal: 0.1 });
    // One more than maxTgtLen: scoring a maxTgtLen-token target also reads the EOS step.
    this.tgtPos = s.embedding('decoder/positions', [config.maxTgtLen + 1, E], { normal: 0.1 });
    this.decIn = linear('decoder/in', E, C);
    for (let l = 0; l < config.decoderLayers; l++) {
      const n = `decoder/l${l}`;
      this.decLayers.push({
        conv: linear(`${n}/conv`, k * C, 2 * C),
        attIn: linear(`${n}/attention/in`, C, E),
        attOut: linear(`${n}/attention/out`, E, C),
      });
    }
    this.decOut = linear('decoder/out', C, E);
    if (!config.tieEmbeddings) this.wout = s.matrix('decoder/output/w', E, config.tgtVocabSize);
    this.bout = s.constant('decoder/output/b', [config.tgtVocabSize], 0);
    if (config.copy) {
      this.wg = s.matrix('decoder/copy/w', 2 * E, 1);
      this.bg = s.constant('decoder/copy/b', [1], 0);
    }
    this.weights = s.weights;
    this.variables = s.weights.map((w) => w.variable);
  }

  private dropout<T extends tf.Tensor>(x: T, training: boolean): T {
    return maybeDropout(x, this.config.dropout, training, this.rng) as T;
  }

  /** Token plus position embedding (positions `offset..offset+T-1`), after dropout: `[b, T, E]`. */
  private embedTokens(table: V, positions: V, ids: tf.Tensor2D, offset: number, training: boolean): tf.Tensor3D {
    const T = ids.shape[1];
    const rows = positions.shape[0]!;
    if (offset + T > rows) {
      throw new Error(
        `sequence of ${offset + T} tokens exceeds the model's ${rows} learned positions (maxSrcLen/maxTgtLen)`,
      );
    }
    const x = tf.add(embed(table as tf.Tensor2D, ids, training), tf.slice(positions, [offset, 0], [T, -1]));
    return this.dropout(x as tf.Tensor3D, training);
  }

  /**
   * Convolution of width k over `padded` `[b, T + k - 1, C]` (no further padding) and the GLU:
   * `[b, T, C]`. The k shifted windows side by side make one `[b, T, k*C] @ [k*C, 2C]` product.
   */
  private gatedConv(conv: Linear, padded: tf.Tensor3D): tf.Tensor3D {
    const { kernelWidth: k, hiddenDim: C } = this.config;
    const [b, P] = padded.shape;
    const T = P - (k - 1);
    const windows =
      T === 1
        ? tf.reshape(padded, [b, 1, k * C])
        : tf.concat(
            Array.from({ length: k }, (_, j) => tf.slice(padded, [0, j, 0], [b, T, C])),
            2,
          );
    const y = dense(windows, conv.w as tf.Tensor2D, conv.b as tf.Tensor1D);
    const [a, gate] = tf.split(y, 2, 2);
    return tf.mul(a!, tf.sigmoid(gate!)) as tf.Tensor3D;
  }

  /** Encoder: src `[b, S]` -> the attention's keys and values, and the source scale. */
  private encodeSource(src: tf.Tensor2D, srcMask: tf.Tensor2D, training: boolean): Source {
    const { kernelWidth: k } = this.config;
    const [b, S] = src.shape;
    const e = this.embedTokens(this.srcEmb, this.srcPos, src, 0, training);
    let x = dense(e, this.encIn.w as tf.Tensor2D, this.encIn.b as tf.Tensor1D) as tf.Tensor3D;
    const mask = tf.reshape(srcMask, [b, S, 1]);
    for (const conv of this.encConvs) {
      const residual = x;
      const h = this.dropout(tf.mul(x, mask) as tf.Tensor3D, training);
      const padded = tf.pad(h, [
        [0, 0],
        [Math.floor((k - 1) / 2), Math.floor(k / 2)],
        [0, 0],
      ]);
      x = tf.mul(tf.add(this.gatedConv(conv, padded), residual), HALF) as tf.Tensor3D;
    }
    const z = dense(x, this.encOut.w as tf.Tensor2D, this.encOut.b as tf.Tensor1D) as tf.Tensor3D;
    return {
      keysT: tf.transpose(z, [0, 2, 1]),
      values: tf.mul(tf.add(z, e), HALF) as tf.Tensor3D,
      srcMask,
      scale: tf.reshape(tf.sqrt(tf.sum(srcMask, 1)), [b, 1, 1]),
    };
  }

  /**
   * Decoder over `tgt` `[b, T]` from position `offset`; `past` holds each layer's last k-1
   * convolution inputs (zeros: the start of the sequence).
   */
  private decodeTokens(
    tgt: tf.Tensor2D,
    offset: number,
    source: Source,
    past: readonly tf.Tensor3D[] | null,
    training: boolean,
  ): DecoderPass {
    const { kernelWidth: k, hiddenDim: C } = this.config;
    const [b, T] = tgt.shape;
    const g = this.embedTokens(this.tgtEmb, this.tgtPos, tgt, offset, training);
    let x = dense(g, this.decIn.w as tf.Tensor2D, this.decIn.b as tf.Tensor1D) as tf.Tensor3D;
    const weights: tf.Tensor3D[] = [];
    const windows: tf.Tensor3D[] = [];
    this.decLayers.forEach((L, l) => {
      const residual = x;
      const before = past ? past[l]! : (tf.zeros([b, k - 1, C]) as tf.Tensor3D);
      const padded = tf.concat([before, this.dropout(x, training)], 1);
      windows.push(tf.slice(padded, [0, T, 0], [b, k - 1, C]));
      const h = this.gatedConv(L.conv, padded);
      // Multi-step attention: the query combines the layer's state with the target embedding.
      const d = tf.mul(tf.add(dense(h, L.attIn.w as tf.Tensor2D, L.attIn.b as tf.Tensor1D), g), HALF) as tf.Tensor3D;
      const a = maskedSoftmax(tf.matMul(d, source.keysT), source.srcMask);
      weights.push(a);
      const c = tf.mul(tf.matMul(a, source.values), source.scale);
      const attended = tf.mul(tf.add(dense(c, L.attOut.w as tf.Tensor2D, L.attOut.b as tf.Tensor1D), h), HALF);
      x = tf.mul(tf.add(attended, residual), HALF) as tf.Tensor3D;
    });
    const out = dense(x, this.decOut.w as tf.Tensor2D, this.decOut.b as tf.Tensor1D) as tf.Tensor3D;
    const wout = this.wout ? (this.wout as tf.Tensor2D) : (tf.transpose(this.tgtEmb) as tf.Tensor2D);
    const logits = dense(this.dropout(out, training), wout, this.bout as tf.Tensor1D) as tf.Tensor3D;
    return { logits, out, emb: g, weights, windows };
  }

  /** The generator's logits, or with `copy` the log of the pointer-generator mixture (decoder.ts). */
  private output(
    r: DecoderPass,
    src: tf.Tensor2D | undefined,
    training: boolean,
  ): { logits: tf.Tensor3D; copyLogProbs?: tf.Tensor3D } {
    if (!this.wg) return { logits: r.logits };
    if (!src) throw new Error('a copying decoder needs the source ids');
    return copyOutput(r.logits, this.copyParts(r, src), src, training);
  }

  private copyParts(r: DecoderPass, src: tf.Tensor2D) {
    return copyParts(tf.concat([r.out, r.emb], 2), this.wg!, this.bg!, r.weights[r.weights.length - 1]!, src);
  }

  private decodeSource(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): DecoderPass {
    return this.decodeTokens(tgtIn, 0, this.encodeSource(src, srcMask, training), null, training);
  }

  logits(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => this.output(this.decodeSource(src, srcMask, tgtIn, training), src, training).logits);
  }

  targetLogProbs(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, tgtOut: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const r = this.decodeSource(src, srcMask, tgtIn, false);
      if (!this.wg) return tokenLogProbs(r.logits, tgtOut);
      return copyTargetLogProbs(r.logits, this.copyParts(r, src), src, tgtOut);
    });
  }

  forward(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): ForwardOutput {
    const [logits, attention] = tf.tidy(() => {
      const r = this.decodeSource(src, srcMask, tgtIn, training);
      return [this.output(r, src, training).logits, r.weights[r.weights.length - 1]!];
    });
    return { logits: logits as tf.Tensor3D, attention: attention as tf.Tensor3D };
  }

  encode(src: tf.Tensor2D, srcMask: tf.Tensor2D): DecodingTensors {
    const parts = tf.tidy(() => {
      const s = this.encodeSource(src, srcMask, false);
      const copyFrom = this.config.copy ? [tf.clone(src)] : [];
      return [s.keysT, s.values, tf.clone(srcMask), s.scale, ...copyFrom];
    });
    return { parts, position: 0 };
  }

  initialState(source: DecodingTensors): DecodingTensors {
    const n = source.parts[0]!.shape[0]!;
    const { kernelWidth: k, hiddenDim: C } = this.config;
    return { parts: this.decLayers.map(() => tf.zeros([n, k - 1, C])), position: 0 };
  }

  step(source: DecodingTensors, state: DecodingTensors, prevTokens: tf.Tensor1D): StepOutput {
    const n = prevTokens.shape[0];
    const rows = this.tgtPos.shape[0]!;
    if (state.position >= rows) throw new Error(`cannot decode beyond ${rows} positions (maxTgtLen)`);
    const out = tf.tidy(() => {
      const [keysT, values, srcMask, scale, src] = source.parts as [
        tf.Tensor3D,
        tf.Tensor3D,
        tf.Tensor2D,
        tf.Tensor3D,
        tf.Tensor2D | undefined,
      ];
      const tgt = tf.reshape(prevTokens, [n, 1]) as tf.Tensor2D;
      const past = state.parts as tf.Tensor3D[];
      const r = this.decodeTokens(tgt, state.position, { keysT, values, srcMask, scale }, past, false);
      const o = this.output(r, this.config.copy ? src : undefined, false);
      const logProbs = tf.logSoftmax(tf.reshape(o.logits, [n, -1]));
      const byLayer = tf.stack(r.weights.map((w) => tf.reshape(w, [1, n, -1]))); // [L, 1, n, S]
      const last = tf.reshape(r.weights[r.weights.length - 1]!, [n, -1]);
      const copied = o.copyLogProbs ? [tf.reshape(o.copyLogProbs, [n, -1])] : [];
      return [logProbs, last, byLayer, ...copied, ...r.windows];
    });
    return layeredStepOutput(out, this.config.copy, state.position);
  }

  dispose(): void {
    this.store.dispose();
  }
}
