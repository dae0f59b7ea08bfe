/**
 * A decoder memory: nearest-neighbour decoding over comments the user has written (Khandelwal et
 * al. 2021, "Nearest Neighbor Machine Translation"). For each token of a documented function's
 * summary, the memory keeps the decoder's output state before that token (teacher-forced on the
 * function's code, as the model reads it when documenting) and the token itself. At each search
 * step the live beam's state is compared with the stored ones; where the nearest is close enough,
 * the next-token distribution becomes
 * `(1 - weight) * p_model + weight * p_memory`, `p_memory(v) = sum over the k nearest entries with
 * token v of softmax(-distance / temperature)`. No training: a comment the user saves counts at
 * the next request.
 *
 * The distance gate is what makes a memory of a few dozen comments help rather than hurt: a state
 * far from every stored one says the memory has nothing to offer, and mixing its nearest token in
 * anyway put unrelated words into comments (validation projects, bench/learning/README.md).
 *
 * Written by hand: TensorFlow.js has no nearest-neighbour index; a memory this small (at most a
 * few thousand entries) is searched exhaustively, one matMul per step for every beam.
 */
import * as tf from '@tensorflow/tfjs';

import type { Seq2SeqModel } from './model';
import { BOS_ID, EOS_ID, PAD_ID } from './specialTokens';

export interface MemoryOptions {
  /** Share of the memory's distribution where it applies (0..1). */
  readonly weight: number;
  /** Softmax temperature over the squared distances. */
  readonly temperature: number;
  /** How many nearest entries make the memory's distribution. */
  readonly neighbours: number;
  /** The memory applies to a beam only when its nearest entry is at most this far (squared L2). */
  readonly maxDistance: number;
}

/** Chosen on validation projects (bench/learning/README.md). */
export const MEMORY_DEFAULTS: MemoryOptions = Object.freeze({
  weight: 0.5,
  temperature: 100,
  neighbours: 16,
  maxDistance: 200,
});

/** One documented function as the model reads it: source ids and the summary's target ids (no BOS/EOS). */
export interface MemoryExample {
  readonly src: readonly number[];
  readonly tgt: readonly number[];
  /** Per `tgt` token: whether it names something of this function's code (absent: none does). */
  readonly fromCode?: readonly boolean[];
}

/** The stored entries of some examples: `dim` floats per key, one token per key. */
export interface MemoryEntries {
  readonly keys: Float32Array;
  readonly values: Int32Array;
  /** 1 where the token also occurs in the example's code (a name of that function, most often). */
  readonly fromCode: Uint8Array;
}

export class DecoderMemory {
  /** `[dim, size]` keys and `[1, size]` their squared norms, uploaded at the first step that needs them. */
  private tensors: [tf.Tensor2D, tf.Tensor2D] | undefined;

  private constructor(
    private readonly keys: Float32Array,
    private readonly values: Int32Array,
    readonly dim: number,
    readonly options: MemoryOptions,
  ) {}

  /** Frees the keys' tensors (the memory can still be used: they are uploaded again). */
  dispose(): void {
    if (this.tensors) tf.dispose(this.tensors);
    this.tensors = undefined;
  }

  /** Squared distances `[rows * size]` from each row of `hidden` `[rows, dim]` to every key (one matMul). */
  private distances(hidden: tf.Tensor2D): Float32Array {
    const { dim, keys } = this;
    const n = this.size;
    this.tensors ??= tf.tidy(() => {
      const k = tf.tensor2d(keys, [n, dim]);
      return [tf.transpose(k) as tf.Tensor2D, tf.reshape(tf.sum(tf.square(k), 1), [1, n]) as tf.Tensor2D];
    });
    const [keysT, norms] = this.tensors;
    const d = tf.tidy(() =>
      tf.add(tf.sub(tf.sum(tf.square(hidden), 1, true), tf.mul(tf.matMul(hidden, keysT), 2)), norms),
    );
    const out = d.dataSync() as Float32Array;
    d.dispose();
    return out;
  }

  /** Entries stored. */
  get size(): number {
    return this.values.length;
  }

  /**
   * The entries of `examples` under `model`: one per summary token and one for EOS, in order.
   * Undefined when the model does not report its decoder states (only the Transformer does).
   */
  static entries(model: Seq2SeqModel, examples: readonly MemoryExample[], batchSize = 16): MemoryEntries[] | undefined {
    if (!model.targetStates) return undefined;
    const dim = model.config.dModel;
    const out: MemoryEntries[] = [];
    for (let at = 0; at < examples.length; at += batchSize) {
      const batch = examples.slice(at, at + batchSize);
      const S = Math.max(...batch.map((e) => e.src.length));
      const T = Math.max(...batch.map((e) => e.tgt.length)) + 1;
      const src = batch.map((e) => [...e.src, ...new Array<number>(S - e.src.length).fill(PAD_ID)]);
      const mask = batch.map((e) => src[0]!.map((_, i) => (i < e.src.length ? 1 : 0)));
      const tgtIn = batch.map((e) => [BOS_ID, ...e.tgt, ...new Array<number>(T - 1 - e.tgt.length).fill(PAD_ID)]);
      const states = tf.tidy(() =>
        model.targetStates!(
          tf.tensor2d(src, [batch.length, S], 'int32'),
          tf.tensor2d(mask, [batch.length, S], 'float32'),
          tf.tensor2d(tgtIn, [batch.length, T], 'int32'),
        ),
      );
      const data = states.dataSync() as Float32Array;
      states.dispose();
      batch.forEach((e, b) => {
        const n = e.tgt.length + 1;
        out.push({
          keys: data.slice(b * T * dim, (b * T + n) * dim),
          values: Int32Array.from([...e.tgt, EOS_ID]),
          fromCode: Uint8Array.from([...e.tgt, EOS_ID], (_, i) => (e.fromCode?.[i] ? 1 : 0)),
        });
      });
    }
    return out;
  }

  /**
   * A memory of the given entries (of a model whose decoder state has `dim` floats). With
   * `inCode` (whether a token names something of the code being documented), an entry whose
   * token named something of its own function's code is kept only where it does here too:
   * remembering "Clamp the x limit" for `set_x_limit` must not put "x" into the comment of
   * `set_y_limit`.
   */
  static of(
    entries: readonly MemoryEntries[],
    dim: number,
    options: MemoryOptions = MEMORY_DEFAULTS,
    inCode?: (token: number) => boolean,
  ): DecoderMemory {
    for (const [name, v, lo, hi] of [
      ['weight', options.weight, 0, 1],
      ['temperature', options.temperature, Number.MIN_VALUE, Infinity],
      ['neighbours', options.neighbours, 1, Infinity],
      ['maxDistance', options.maxDistance, 0, Infinity],
    ] as const)
      if (!(v >= lo && v <= hi)) throw new Error(`memory ${name} must be in [${lo}, ${hi}], got ${v}`);
    const keep = (e: MemoryEntries, i: number): boolean => !inCode || !e.fromCode[i] || inCode(e.values[i]!);
    const n = entries.reduce((a, e) => a + e.values.filter((_, i) => keep(e, i)).length, 0);
    const keys = new Float32Array(n * dim);
    const values = new Int32Array(n);
    let at = 0;
    for (const e of entries) {
      if (e.keys.length !== e.values.length * dim)
        throw new Error(`memory entries of ${e.keys.length / e.values.length} floats, expected ${dim}`);
      for (let i = 0; i < e.values.length; i++) {
        if (!keep(e, i)) continue;
        keys.set(e.keys.subarray(i * dim, (i + 1) * dim), at * dim);
        values[at++] = e.values[i]!;
      }
    }
    return new DecoderMemory(keys, values, dim, options);
  }

  /**
   * `logProbs` (`rows * vocab`, log-probabilities) mixed with the memory's distribution for each
   * row whose decoder state (`hidden`, `[rows, dim]`) is near enough to an entry; other rows are
   * unchanged. Returns a new array.
   */
  mix(hidden: tf.Tensor2D, logProbs: Float32Array, rows: number): Float32Array {
    const { values } = this;
    const { weight, temperature, neighbours, maxDistance } = this.options;
    const vocab = logProbs.length / rows;
    const out = new Float32Array(logProbs);
    const k = Math.min(neighbours, values.length);
    if (k === 0 || weight === 0) return out;
    const all = this.distances(hidden);
    for (let r = 0; r < rows; r++) {
      const dist = all.subarray(r * values.length, (r + 1) * values.length);
      const nearest = nearestK(dist, k);
      // float32 rounding can take a distance of zero a little below it
      const d0 = Math.max(0, dist[nearest[0]!]!);
      if (d0 > maxDistance) continue;
      const p = new Map<number, number>();
      let z = 0;
      for (const j of nearest) {
        const w = Math.exp(-(Math.max(0, dist[j]!) - d0) / temperature);
        z += w;
        p.set(values[j]!, (p.get(values[j]!) ?? 0) + w);
      }
      const row = r * vocab;
      const keep = Math.log(1 - weight);
      for (let v = 0; v < vocab; v++) out[row + v] = logProbs[row + v]! + keep;
      for (const [v, w] of p) out[row + v] = Math.log((1 - weight) * Math.exp(logProbs[row + v]!) + (weight * w) / z);
    }
    return out;
  }
}

/** Indices of the `k` smallest values, smallest first. */
function nearestK(dist: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let j = 0; j < dist.length; j++) {
    if (best.length === k && dist[j]! >= dist[best[k - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && dist[best[at - 1]!]! > dist[j]!) at--;
    best.splice(at, 0, j);
    if (best.length > k) best.pop();
  }
  return best;
}
