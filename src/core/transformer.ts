/**
 * Pre-norm Transformer encoder-decoder (Vaswani et al. with layer norm before each sublayer,
 * as in nanoGPT/fairseq `normalize_before`): sinusoidal positions, multi-head self- and
 * cross-attention, optional tied target embedding/output weights.
 *
 * Self-attention uses one fused `[d, 3d]` projection; cross-attention keys/values are projected
 * once per source and cached for decoding. Keys are kept transposed (`[b, h, dk, S]`) so every
 * score product is a plain-layout matMul.
 * Decoding bundles: source parts `[memory, srcBias, kT_0, v_0, ..., kT_L-1, v_L-1, (src ids when
 * copying)]`; state parts `[selfKT_0, selfV_0, ...]` (empty before the first step).
 *
 * With `copy` the output is the recurrent decoder's pointer-generator (decoder.ts, See et al.
 * 2017): `p = (1 - s) * softmax(logits) + (1 - g) * sum_s a_s [src_s = v]`, returned as
 * `log(p + floor)`, where `a` is the last decoder layer's cross-attention averaged over heads (the
 * attention `forward` reports) with special-token positions zeroed, `s = (1 - g) * sum_s a_s`, and
 * the gate `g = sigmoid(w_g [y_t; x_t] + b_g)` reads the decoder's final normed output `y_t` (the
 * input of the output projection) and the step's input embedding `x_t` (scaled embedding plus
 * position, after dropout).
 */
import * as tf from '@tensorflow/tfjs';

import type { ModelConfig } from './config';
import { copyOutput, copyParts, copyTargetLogProbs, layeredStepOutput, type CopyParts } from './decoder';
import { dense, embed, layerNorm, maybeDropout, SeededRandom, WeightStore, type NamedWeight } from './layers';
import { tokenLogProbs } from './loss';
import type { DecodingTensors, ForwardOutput, Seq2SeqModel, StepOutput } from './model';

type V = tf.Variable;
interface Norm {
  g: V;
  b: V;
}
interface EncoderLayer {
  ln1: Norm;
  wqkv: V;
  bqkv: V;
  wo: V;
  bo: V;
  ln2: Norm;
  w1: V;
  b1: V;
  w2: V;
  b2: V;
}
interface DecoderLayer extends EncoderLayer {
  ln3: Norm;
  cq: V;
  cbq: V;
  ckv: V;
  cbkv: V;
  co: V;
  cbo: V;
}

/** A decoder run's inputs: target ids, first position, cross keys/values per layer, source bias, training, self caches. */
type DecoderArgs = [
  tgt: tf.Tensor2D,
  offset: number,
  cross: readonly [tf.Tensor4D, tf.Tensor4D][],
  srcBias: tf.Tensor,
  training: boolean,
  past?: readonly [tf.Tensor4D, tf.Tensor4D][],
];

/** What one decoder pass produces. */
interface DecoderPass {
  /** `[b, T, V]` the generator's logits (before any copying) */
  logits: tf.Tensor3D;
  /** `[b, T, d]` the final layer-normed output (the output projection's input) */
  out: tf.Tensor3D;
  /** `[b, T, d]` the decoder input as embedded (scaled embedding plus position, after dropout) */
  emb: tf.Tensor3D;
  /** Cross-attention weights per layer `[b, h, T, S]`. */
  weights: tf.Tensor4D[];
  /** New self-attention caches `[kT, v]` per layer. */
  caches: [tf.Tensor4D, tf.Tensor4D][];
}

/** Sinusoidal position table `[maxLen, d]`. */
export function sinusoidalPositions(maxLen: number, d: number): tf.Tensor2D {
  const v = new Float32Array(maxLen * d);
  for (let p = 0; p < maxLen; p++) {
    for (let i = 0; i < d / 2; i++) {
      const angle = p / Math.pow(10000, (2 * i) / d);
      v[p * d + 2 * i] = Math.sin(angle);
      v[p * d + 2 * i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(v, [maxLen, d]);
}

export class TransformerSeq2Seq implements Seq2SeqModel {
  readonly weights: readonly NamedWeight[];
  readonly variables: readonly tf.Variable[];
  private readonly store: WeightStore;
  private readonly rng: SeededRandom;
  private readonly positions: tf.Tensor2D;
  private readonly srcEmb: V;
  private readonly tgtEmb: V;
  private readonly encLayers: EncoderLayer[] = [];
  private readonly decLayers: DecoderLayer[] = [];
  private readonly encNorm: Norm;
  private readonly decNorm: Norm;
  private readonly wout?: V;
  private readonly bout: V;
  /** Copy gate `[2 * dModel, 1]` and its bias `[1]` (with `copy`). */
  private readonly wg?: V;
  private readonly bg?: V;
  private readonly dk: number;

  constructor(
    readonly config: ModelConfig,
    seed: number,
  ) {
    const s = (this.store = new WeightStore(new SeededRandom(seed), config.init));
    this.rng = new SeededRandom((seed ^ 0x9e3779b9) >>> 0);
    const { dModel: d, ffDim: ff } = config;
    this.dk = d / config.heads;
    this.positions = sinusoidalPositions(Math.max(config.maxSrcLen, config.maxTgtLen) + 1, d);
    this.srcEmb = s.embedding('encoder/embedding', [config.srcVocabSize, d], { normal: Math.pow(d, -0.5) });
    this.tgtEmb = s.embedding('decoder/embedding', [config.tgtVocabSize, d], { normal: Math.pow(d, -0.5) });
    const norm = (n: string): Norm => ({ g: s.constant(`${n}/g`, [d], 1), b: s.constant(`${n}/b`, [d], 0) });
    const block = (n: string, layers: number): EncoderLayer => ({
      ln1: norm(`${n}/ln1`),
      wqkv: s.matrix(`${n}/self/wqkv`, d, 3 * d),
      bqkv: s.constant(`${n}/self/bqkv`, [3 * d], 0),
      wo: s.residualMatrix(`${n}/self/wo`, d, d, layers),
      bo: s.constant(`${n}/self/bo`, [d], 0),
      ln2: norm(`${n}/ln2`),
      w1: s.matrix(`${n}/ff/w1`, d, ff),
      b1: s.constant(`${n}/ff/b1`, [ff], 0),
      w2: s.residualMatrix(`${n}/ff/w2`, ff, d, layers),
      b2: s.constant(`${n}/ff/b2`, [d], 0),
    });
    for (let l = 0; l < config.encoderLayers; l++) this.encLayers.push(block(`encoder/l${l}`, config.encoderLayers));
    for (let l = 0; l < config.decoderLayers; l++) {
      const n = `decoder/l${l}`;
      this.decLayers.push({
        ...block(n, config.decoderLayers),
        ln3: norm(`${n}/ln3`),
        cq: s.matrix(`${n}/cross/wq`, d, d),
        cbq: s.constant(`${n}/cross/bq`, [d], 0),
        ckv: s.matrix(`${n}/cross/wkv`, d, 2 * d),
        cbkv: s.constant(`${n}/cross/bkv`, [2 * d], 0),
        co: s.residualMatrix(`${n}/cross/wo`, d, d, config.decoderLayers),
        cbo: s.constant(`${n}/cross/bo`, [d], 0),
      });
    }
    this.encNorm = norm('encoder/ln');
    this.decNorm = norm('decoder/ln');
    if (!config.tieEmbeddings) this.wout = s.matrix('decoder/output/w', d, config.tgtVocabSize);
    this.bout = s.constant('decoder/output/b', [config.tgtVocabSize], 0);
    if (config.copy) {
      this.wg = s.matrix('decoder/copy/w', 2 * d, 1);
      this.bg = s.constant('decoder/copy/b', [1], 0);
    }
    this.weights = s.weights;
    this.variables = s.weights.map((w) => w.variable);
  }

  /** `[b, T, d]` -> `[b, h, T, dk]` */
  private heads(x: tf.Tensor): tf.Tensor4D {
    const [b, T] = x.shape;
    return tf.transpose(tf.reshape(x, [b!, T!, this.config.heads, this.dk]), [0, 2, 1, 3]);
  }

  /** `[b, h, T, dk]` -> `[b, T, d]` */
  private merge(x: tf.Tensor4D): tf.Tensor3D {
    const [b, , T] = x.shape;
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [b, T, this.config.dModel]);
  }

  /** q `[b,h,T,dk]`, kT `[b,h,dk,S]`, v `[b,h,S,dk]`, bias broadcastable to `[b,h,T,S]`. */
  private attend(q: tf.Tensor4D, kT: tf.Tensor4D, v: tf.Tensor4D, bias: tf.Tensor | null) {
    let scores: tf.Tensor = tf.matMul(tf.mul(q, 1 / Math.sqrt(this.dk)) as tf.Tensor4D, kT);
    if (bias) scores = tf.add(scores, bias);
    const weights = tf.softmax(scores) as tf.Tensor4D;
    return { out: tf.matMul(weights, v), weights };
  }

  private embedTokens(table: V, ids: tf.Tensor2D, offset: number, training: boolean): tf.Tensor3D {
    const T = ids.shape[1];
    if (offset + T > this.positions.shape[0]) {
      throw new Error(
        `sequence of ${offset + T} tokens exceeds the model's position table (${this.positions.shape[0]}; maxSrcLen/maxTgtLen)`,
      );
    }
    const x = tf.add(
      tf.mul(embed(table as tf.Tensor2D, ids, training), Math.sqrt(this.config.dModel)),
      tf.slice(this.positions, [offset, 0], [T, -1]),
    );
    return maybeDropout(x, this.config.dropout, training, this.rng) as tf.Tensor3D;
  }

  private feedForward(L: EncoderLayer, x: tf.Tensor3D, training: boolean): tf.Tensor3D {
    const h = layerNorm(x, L.ln2.g as tf.Tensor1D, L.ln2.b as tf.Tensor1D);
    const y = dense(
      tf.relu(dense(h, L.w1 as tf.Tensor2D, L.b1 as tf.Tensor1D)),
      L.w2 as tf.Tensor2D,
      L.b2 as tf.Tensor1D,
    );
    return tf.add(x, maybeDropout(y, this.config.dropout, training, this.rng)) as tf.Tensor3D;
  }

  /** Self-attention sublayer; `past` holds cached `[kT, v]` for incremental decoding. */
  private selfAttention(
    L: EncoderLayer,
    x: tf.Tensor3D,
    bias: tf.Tensor | null,
    training: boolean,
    past?: [tf.Tensor4D, tf.Tensor4D],
  ): { x: tf.Tensor3D; kT: tf.Tensor4D; v: tf.Tensor4D } {
    const d = this.config.dModel;
    const h = layerNorm(x, L.ln1.g as tf.Tensor1D, L.ln1.b as tf.Tensor1D);
    const qkv = dense(h, L.wqkv as tf.Tensor2D, L.bqkv as tf.Tensor1D); // [b, T, 3d]
    const [q, k, v0] = tf.split(qkv, [d, d, d], 2);
    let kT = tf.transpose(this.heads(k!), [0, 1, 3, 2]) as tf.Tensor4D; // [b, h, dk, T]
    let v = this.heads(v0!);
    if (past) {
      kT = tf.concat([past[0], kT], 3);
      v = tf.concat([past[1], v], 2);
    }
    const a = this.attend(this.heads(q!), kT, v, bias);
    const y = dense(this.merge(a.out as tf.Tensor4D), L.wo as tf.Tensor2D, L.bo as tf.Tensor1D);
    return { x: tf.add(x, maybeDropout(y, this.config.dropout, training, this.rng)) as tf.Tensor3D, kT, v };
  }

  /** Encoder: src `[b, S]` -> memory `[b, S, d]` (after the final norm), bias `[b, 1, 1, S]`. */
  private encodeSource(src: tf.Tensor2D, srcMask: tf.Tensor2D, training: boolean) {
    const [b, S] = src.shape;
    const bias = tf.reshape(tf.mul(tf.sub(1, srcMask), -1e9), [b, 1, 1, S]);
    let x = this.embedTokens(this.srcEmb, src, 0, training);
    for (const L of this.encLayers) {
      x = this.selfAttention(L, x, bias, training).x;
      x = this.feedForward(L, x, training);
    }
    return { memory: layerNorm(x, this.encNorm.g as tf.Tensor1D, this.encNorm.b as tf.Tensor1D) as tf.Tensor3D, bias };
  }

  /** Cross-attention keys/values of one layer: kT `[b, h, dk, S]`, v `[b, h, S, dk]`. */
  private crossKeys(L: DecoderLayer, memory: tf.Tensor3D): [tf.Tensor4D, tf.Tensor4D] {
    const d = this.config.dModel;
    const [k, v] = tf.split(dense(memory, L.ckv as tf.Tensor2D, L.cbkv as tf.Tensor1D), [d, d], 2);
    return [tf.transpose(this.heads(k!), [0, 1, 3, 2]) as tf.Tensor4D, this.heads(v!)];
  }

  /**
   * Decoder over `tgt` `[b, T]` starting at position `offset`, without the output projection.
   * @returns the final normed output `[b, T, d]` and input embedding `[b, T, d]` (what the copy
   * gate reads), cross weights per layer `[b, h, T, S]`, new self caches.
   */
  private decoderStates(...[tgt, offset, cross, srcBias, training, past]: DecoderArgs): Omit<DecoderPass, 'logits'> {
    const T = tgt.shape[1];
    const emb = this.embedTokens(this.tgtEmb, tgt, offset, training);
    let x = emb;
    // Causal mask; a single incremental step sees all of its past.
    const causal = past
      ? null
      : tf.reshape(tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9), [1, 1, T, T]);
    const weights: tf.Tensor4D[] = [];
    const caches: [tf.Tensor4D, tf.Tensor4D][] = [];
    this.decLayers.forEach((L, l) => {
      const sa = this.selfAttention(L, x, causal, training, past?.[l]);
      caches.push([sa.kT, sa.v]);
      x = sa.x;
      const h = layerNorm(x, L.ln3.g as tf.Tensor1D, L.ln3.b as tf.Tensor1D);
      const q = this.heads(dense(h, L.cq as tf.Tensor2D, L.cbq as tf.Tensor1D));
      const a = this.attend(q, cross[l]![0], cross[l]![1], srcBias);
      weights.push(a.weights);
      const y = dense(this.merge(a.out as tf.Tensor4D), L.co as tf.Tensor2D, L.cbo as tf.Tensor1D);
      x = tf.add(x, maybeDropout(y, this.config.dropout, training, this.rng)) as tf.Tensor3D;
      x = this.feedForward(L, x, training);
    });
    const out = layerNorm(x, this.decNorm.g as tf.Tensor1D, this.decNorm.b as tf.Tensor1D);
    return { out: out as tf.Tensor3D, emb, weights, caches };
  }

  /** {@link decoderStates} with the generator's logits `[b, T, V]`. */
  private decodeTokens(...args: DecoderArgs): DecoderPass {
    const r = this.decoderStates(...args);
    const wout = this.wout ? (this.wout as tf.Tensor2D) : (tf.transpose(this.tgtEmb) as tf.Tensor2D);
    return { ...r, logits: dense(r.out, wout, this.bout as tf.Tensor1D) as tf.Tensor3D };
  }

  /** The last layer's cross-attention averaged over heads: `[b, h, T, S]` per layer -> `[b, T, S]`. */
  private lastAttention(weights: readonly tf.Tensor4D[]): tf.Tensor3D {
    return tf.mean(weights[weights.length - 1]!, 1) as tf.Tensor3D;
  }

  /**
   * The model's output scores `[b, T, V]` from a decoder run: the generator's logits, or with
   * `copy` the log of the pointer-generator mixture (and, outside training, its copy part).
   */
  private output(
    r: DecoderPass,
    attention: tf.Tensor3D,
    src: tf.Tensor2D | undefined,
    training: boolean,
  ): { logits: tf.Tensor3D; copyLogProbs?: tf.Tensor3D } {
    if (!this.wg) return { logits: r.logits };
    if (!src) throw new Error('a copying decoder needs the source ids');
    return copyOutput(r.logits, this.copyParts(r, attention, src), src, training);
  }

  /** The copy gate on `[out; emb]` and the attention terms (decoder.ts's `copyParts`). */
  private copyParts(r: DecoderPass, attention: tf.Tensor3D, src: tf.Tensor2D): CopyParts {
    return copyParts(tf.concat([r.out, r.emb], 2), this.wg!, this.bg!, attention, src);
  }

  logits(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => this.run(src, srcMask, tgtIn, training).logits);
  }

  targetLogProbs(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, tgtOut: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const r = this.decodeSource(src, srcMask, tgtIn, false);
      if (!this.wg) return tokenLogProbs(r.logits, tgtOut);
      const parts = this.copyParts(r, this.lastAttention(r.weights), src);
      return copyTargetLogProbs(r.logits, parts, src, tgtOut);
    });
  }

  targetStates(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const enc = this.encodeSource(src, srcMask, false);
      const cross = this.decLayers.map((L) => this.crossKeys(L, enc.memory));
      return this.decoderStates(tgtIn, 0, cross, enc.bias, false).out;
    });
  }

  forward(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): ForwardOutput {
    const [logits, attention] = tf.tidy(() => {
      const r = this.run(src, srcMask, tgtIn, training);
      return [r.logits, r.attention!];
    });
    return { logits: logits as tf.Tensor3D, attention: attention as tf.Tensor3D };
  }

  /** Teacher-forced encoder and decoder run. */
  private decodeSource(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): DecoderPass {
    const enc = this.encodeSource(src, srcMask, training);
    const cross = this.decLayers.map((L) => this.crossKeys(L, enc.memory));
    return this.decodeTokens(tgtIn, 0, cross, enc.bias, training);
  }

  private run(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): ForwardOutput {
    const r = this.decodeSource(src, srcMask, tgtIn, training);
    const attention = this.lastAttention(r.weights);
    return { logits: this.output(r, attention, src, training).logits, attention };
  }

  encode(src: tf.Tensor2D, srcMask: tf.Tensor2D): DecodingTensors {
    const parts = tf.tidy(() => {
      const enc = this.encodeSource(src, srcMask, false);
      const cross = this.decLayers.flatMap((L) => this.crossKeys(L, enc.memory));
      const copyFrom = this.config.copy ? [tf.clone(src)] : [];
      return [enc.memory, enc.bias, ...cross, ...copyFrom];
    });
    return { parts, position: 0 };
  }

  initialState(): DecodingTensors {
    return { parts: [], position: 0 };
  }

  step(source: DecodingTensors, state: DecodingTensors, prevTokens: tf.Tensor1D): StepOutput {
    const n = prevTokens.shape[0];
    const L = this.decLayers.length;
    if (state.position >= this.positions.shape[0]) {
      throw new Error(`cannot decode beyond ${this.positions.shape[0]} positions (maxTgtLen)`);
    }
    const out = tf.tidy(() => {
      const pairs = (parts: readonly tf.Tensor[]) =>
        Array.from({ length: L }, (_, l) => [parts[2 * l], parts[2 * l + 1]] as [tf.Tensor4D, tf.Tensor4D]);
      const cross = pairs(source.parts.slice(2));
      const past = state.parts.length ? pairs(state.parts) : undefined;
      const tgt = tf.reshape(prevTokens, [n, 1]) as tf.Tensor2D;
      const r = this.decodeTokens(tgt, state.position, cross, source.parts[1]!, false, past);
      const attention = this.lastAttention(r.weights); // [n, 1, S]
      const src = this.config.copy ? (source.parts[2 + 2 * L] as tf.Tensor2D) : undefined;
      const o = this.output(r, attention, src, false);
      const logProbs = tf.logSoftmax(tf.reshape(o.logits, [n, -1]));
      // [L, n, h, S] -> [L, h, n, S]
      const byLayerHead = tf.transpose(tf.stack(r.weights.map((w) => tf.squeeze(w, [2]))), [0, 2, 1, 3]);
      const last = tf.squeeze(attention, [1]);
      const copied = o.copyLogProbs ? [tf.reshape(o.copyLogProbs, [n, -1])] : [];
      return [tf.reshape(r.out, [n, -1]), logProbs, last, byLayerHead, ...copied, ...r.caches.flat()];
    });
    return { ...layeredStepOutput(out.slice(1), this.config.copy, state.position), hidden: out[0] as tf.Tensor2D };
  }

  dispose(): void {
    this.store.dispose();
    this.positions.dispose();
  }
}
