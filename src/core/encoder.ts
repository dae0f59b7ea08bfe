/**
 * The recurrent encoder: embedding, 1-N GRU/LSTM layers (optionally bidirectional, directions
 * concatenated), dropout between layers, and the bridge that turns its final states into the
 * decoder's initial states.
 *
 * Source rows are right-padded; the mask freezes the forward state after the last real token
 * and keeps the backward state at zero until the backward pass reaches the last real token, so
 * padding never changes the result.
 */
import * as tf from '@tensorflow/tfjs';

import type { ModelConfig } from './config';
import { dense, embed, maybeDropout, type SeededRandom, type WeightStore } from './layers';
import {
  createRecurrentParams,
  runRecurrentLayer,
  zeroState,
  type RecurrentParams,
  type RecurrentState,
} from './recurrent';

export interface EncoderOutput {
  /** Top-layer outputs `[b, S, Hm]`, Hm = hiddenDim * (bidirectional ? 2 : 1). */
  memory: tf.Tensor3D;
  /** Final state of each layer, directions concatenated: h (and c) `[b, Hm]`. */
  finals: RecurrentState[];
}

export class RecurrentEncoder {
  readonly memoryDim: number;
  private readonly embedding: tf.Variable;
  private readonly layers: { fw: RecurrentParams; bw?: RecurrentParams }[] = [];

  constructor(
    private readonly config: ModelConfig,
    store: WeightStore,
    private readonly rng: SeededRandom,
  ) {
    const { embeddingDim: E, hiddenDim: H, bidirectional, cell } = config;
    this.memoryDim = bidirectional ? 2 * H : H;
    this.embedding = store.embedding('encoder/embedding', [config.srcVocabSize, E], { uniform: 0.1 });
    for (let l = 0; l < config.encoderLayers; l++) {
      const inDim = l === 0 ? E : this.memoryDim;
      this.layers.push({
        fw: createRecurrentParams(store, `encoder/l${l}/fw`, cell, inDim, H),
        ...(bidirectional ? { bw: createRecurrentParams(store, `encoder/l${l}/bw`, cell, inDim, H) } : {}),
      });
    }
  }

  /**
   * @param src int32 `[b, S]`
   * @param srcMask float32 `[b, S]`, 1 on real tokens
   */
  encode(src: tf.Tensor2D, srcMask: tf.Tensor2D, training: boolean): EncoderOutput {
    const { cell, hiddenDim: H, dropout } = this.config;
    const b = src.shape[0];
    let x = maybeDropout(
      embed(this.embedding as tf.Tensor2D, src, training),
      dropout,
      training,
      this.rng,
    ) as tf.Tensor3D;
    // Masking costs kernels on every step; skip it when the batch has no padding.
    const mask = tf.tidy(() => tf.min(srcMask).dataSync()[0]!) < 1 ? srcMask : undefined;
    const finals: RecurrentState[] = [];
    this.layers.forEach((layer, l) => {
      if (l > 0) x = maybeDropout(x, dropout, training, this.rng) as tf.Tensor3D;
      const fw = runRecurrentLayer(layer.fw, x, zeroState(cell, b, H), mask, false);
      if (!layer.bw) {
        x = fw.outputs;
        finals.push(fw.final);
        return;
      }
      const bw = runRecurrentLayer(layer.bw, x, zeroState(cell, b, H), mask, true);
      x = tf.concat([fw.outputs, bw.outputs], 2);
      finals.push({
        h: tf.concat([fw.final.h, bw.final.h], 1),
        ...(cell === 'lstm' ? { c: tf.concat([fw.final.c!, bw.final.c!], 1) } : {}),
      });
    });
    return { memory: x, finals };
  }
}

/**
 * Maps encoder final states to decoder initial states: decoder layer l starts from
 * `tanh(W_l [h_fw; h_bw] + b_l)` of encoder layer l (or of the top encoder layer when the
 * depths differ); LSTM cells get a separate map for c.
 */
export class Bridge {
  private readonly maps: { wh: tf.Variable; bh: tf.Variable; wc?: tf.Variable; bc?: tf.Variable }[] = [];

  constructor(
    private readonly config: ModelConfig,
    store: WeightStore,
    memoryDim: number,
  ) {
    const H = config.hiddenDim;
    for (let l = 0; l < config.decoderLayers; l++) {
      this.maps.push({
        wh: store.matrix(`bridge/l${l}/wh`, memoryDim, H),
        bh: store.constant(`bridge/l${l}/bh`, [H], 0),
        ...(config.cell === 'lstm'
          ? { wc: store.matrix(`bridge/l${l}/wc`, memoryDim, H), bc: store.constant(`bridge/l${l}/bc`, [H], 0) }
          : {}),
      });
    }
  }

  /** @returns one state per decoder layer, h (and c) `[b, H]`. */
  initialStates(finals: readonly RecurrentState[]): RecurrentState[] {
    const sameDepth = finals.length === this.maps.length;
    return this.maps.map((m, l) => {
      const f = finals[sameDepth ? l : finals.length - 1]!;
      const h = tf.tanh(dense(f.h, m.wh as tf.Tensor2D, m.bh as tf.Tensor1D)) as tf.Tensor2D;
      if (this.config.cell !== 'lstm') return { h };
      return { h, c: tf.tanh(dense(f.c!, m.wc as tf.Tensor2D, m.bc as tf.Tensor1D)) as tf.Tensor2D };
    });
  }
}
