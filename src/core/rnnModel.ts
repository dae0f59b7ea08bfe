/**
 * The recurrent encoder-decoder as a {@link Seq2SeqModel}: encoder, bridge and decoder wired
 * for teacher-forced training and step-wise decoding.
 *
 * Decoding bundles: source parts `[memory, srcMask, keys, (src ids when copying), h_0..h_L-1,
 * (c_0..c_L-1)]` (the bridged initial states ride with the source), state parts `[h_0.., (c_0..)]`.
 */
import * as tf from '@tensorflow/tfjs';

import type { ModelConfig } from './config';
import { RecurrentDecoder } from './decoder';
import { Bridge, RecurrentEncoder } from './encoder';
import { SeededRandom, WeightStore, type NamedWeight } from './layers';
import type { DecodingTensors, ForwardOutput, Seq2SeqModel, StepOutput } from './model';
import type { RecurrentState } from './recurrent';

export class RecurrentSeq2Seq implements Seq2SeqModel {
  readonly weights: readonly NamedWeight[];
  readonly variables: readonly tf.Variable[];
  private readonly store: WeightStore;
  private readonly encoder: RecurrentEncoder;
  private readonly bridge: Bridge;
  private readonly decoder: RecurrentDecoder;

  constructor(
    readonly config: ModelConfig,
    seed: number,
  ) {
    this.store = new WeightStore(new SeededRandom(seed), config.init);
    const dropoutRng = new SeededRandom((seed ^ 0x9e3779b9) >>> 0);
    this.encoder = new RecurrentEncoder(config, this.store, dropoutRng);
    this.bridge = new Bridge(config, this.store, this.encoder.memoryDim);
    this.decoder = new RecurrentDecoder(config, this.store, dropoutRng, this.encoder.memoryDim);
    this.weights = this.store.weights;
    this.variables = this.store.weights.map((w) => w.variable);
  }

  logits(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): tf.Tensor3D {
    return tf.tidy(() => this.run(src, srcMask, tgtIn, training).logits);
  }

  targetLogProbs(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, tgtOut: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const enc = this.encoder.encode(src, srcMask, false);
      const init = this.bridge.initialStates(enc.finals);
      const cache = this.decoder.prepare(enc.memory, srcMask);
      return this.decoder.targetLogProbs(cache, tgtIn, tgtOut, init, src);
    });
  }

  forward(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): ForwardOutput {
    const [logits, attention] = tf.tidy(() => {
      const r = this.run(src, srcMask, tgtIn, training);
      return r.attention ? [r.logits, r.attention] : [r.logits];
    });
    return { logits: logits as tf.Tensor3D, attention: (attention as tf.Tensor3D | undefined) ?? null };
  }

  private run(src: tf.Tensor2D, srcMask: tf.Tensor2D, tgtIn: tf.Tensor2D, training: boolean): ForwardOutput {
    const enc = this.encoder.encode(src, srcMask, training);
    const init = this.bridge.initialStates(enc.finals);
    const cache = this.decoder.prepare(enc.memory, srcMask);
    const r = this.decoder.run(cache, tgtIn, init, training, src);
    return { logits: r.logits, attention: r.attention };
  }

  encode(src: tf.Tensor2D, srcMask: tf.Tensor2D): DecodingTensors {
    const parts = tf.tidy(() => {
      const enc = this.encoder.encode(src, srcMask, false);
      const init = this.bridge.initialStates(enc.finals);
      const cache = this.decoder.prepare(enc.memory, srcMask);
      const copyFrom = this.config.copy ? [tf.clone(src)] : [];
      return [cache.memory, tf.clone(srcMask), cache.keys, ...copyFrom, ...statesToParts(init)];
    });
    return { parts, position: 0 };
  }

  /** Source parts before the bridged states. */
  private get sourceParts(): number {
    return this.config.copy ? 4 : 3;
  }

  initialState(source: DecodingTensors): DecodingTensors {
    return { parts: source.parts.slice(this.sourceParts).map((p) => tf.clone(p)), position: 0 };
  }

  step(source: DecodingTensors, state: DecodingTensors, prevTokens: tf.Tensor1D): StepOutput {
    const n = prevTokens.shape[0];
    const out = tf.tidy(() => {
      const [memory, srcMask, keys, src] = source.parts as [tf.Tensor3D, tf.Tensor2D, tf.Tensor, tf.Tensor2D];
      const cache = { memory, srcMask, keys };
      const init = partsToStates(state.parts, this.config.cell === 'lstm');
      const prev = tf.reshape(prevTokens, [n, 1]) as tf.Tensor2D;
      const r = this.decoder.run(cache, prev, init, false, this.config.copy ? src : undefined);
      const logProbs = tf.logSoftmax(tf.reshape(r.logits, [n, -1]));
      const attention = r.attention ? [tf.reshape(r.attention, [n, -1])] : [];
      const copied = r.copyLogProbs ? [tf.reshape(r.copyLogProbs, [n, -1])] : [];
      return [logProbs, ...attention, ...copied, ...statesToParts(r.states)];
    });
    const hasAttention = this.config.attention !== 'none';
    const copying = this.config.copy;
    const first = 1 + (hasAttention ? 1 : 0);
    return {
      logProbs: out[0] as tf.Tensor2D,
      attention: hasAttention ? (out[1] as tf.Tensor2D) : null,
      attentionByLayerHead: null,
      ...(copying ? { copyLogProbs: out[first] as tf.Tensor2D } : {}),
      state: { parts: out.slice(first + (copying ? 1 : 0)), position: state.position + 1 },
    };
  }

  dispose(): void {
    this.store.dispose();
  }
}

function statesToParts(states: readonly RecurrentState[]): tf.Tensor[] {
  return [...states.map((s) => s.h), ...states.filter((s) => s.c).map((s) => s.c!)];
}

function partsToStates(parts: readonly tf.Tensor[], lstm: boolean): RecurrentState[] {
  const layers = lstm ? parts.length / 2 : parts.length;
  const states: RecurrentState[] = [];
  for (let l = 0; l < layers; l++) {
    const h = parts[l] as tf.Tensor2D;
    states.push(lstm ? { h, c: parts[layers + l] as tf.Tensor2D } : { h });
  }
  return states;
}
