/**
 * Small building blocks shared by the recurrent and Transformer models: a seeded random
 * source, a registry of named trainable weights, and the few differentiable helpers every
 * layer needs (dense, layer norm, dropout, embedding lookup).
 *
 * Weights are registered under stable logical names (`encoder/l0/fw/wx`) that checkpoints
 * use. TensorFlow.js requires variable names to be unique per process, so the tf.Variable
 * itself carries an instance prefix (`s2s3/encoder/l0/fw/wx`).
 */
import * as tf from '@tensorflow/tfjs';

import type { InitScheme } from './config';

/** Deterministic 32-bit generator (mulberry32); `next()` is uniform in [0, 1). */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A fresh integer seed for a tfjs op that takes one. */
  nextSeed(): number {
    return Math.floor(this.next() * 2147483647);
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** A trainable weight with its checkpoint name. */
export interface NamedWeight {
  readonly name: string;
  readonly variable: tf.Variable;
}

let instanceCounter = 0;

/** The standard deviation of `scaled-normal` (see {@link InitScheme}). */
export const SCALED_NORMAL_STD = 0.02;
/** The bound of `uniform-0.1`. */
export const UNIFORM_INIT_LIMIT = 0.1;

/** How an embedding table starts under `glorot-uniform` and `orthogonal` (the model's own choice). */
export type EmbeddingInit = { readonly uniform: number } | { readonly normal: number };

/**
 * A random `[n, n]` orthogonal matrix, row-major: Gram-Schmidt (twice, for stability in float64)
 * on a matrix of standard normals, each row's sign fixed as in a QR with a positive diagonal, so
 * the result is Haar-distributed.
 */
export function randomOrthogonal(n: number, rng: SeededRandom): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) q[i] = rng.normal();
  for (let i = 0; i < n; i++) {
    const row = q.subarray(i * n, (i + 1) * n);
    for (let pass = 0; pass < 2; pass++) {
      for (let j = 0; j < i; j++) {
        const prev = q.subarray(j * n, (j + 1) * n);
        let dot = 0;
        for (let k = 0; k < n; k++) dot += row[k]! * prev[k]!;
        for (let k = 0; k < n; k++) row[k]! -= dot * prev[k]!;
      }
    }
    let norm = 0;
    for (let k = 0; k < n; k++) norm += row[k]! * row[k]!;
    norm = Math.sqrt(norm);
    for (let k = 0; k < n; k++) row[k]! /= norm;
  }
  return q;
}

/** Creates, names and owns the trainable weights of one model instance. */
export class WeightStore {
  readonly weights: NamedWeight[] = [];
  private readonly prefix: string;
  private readonly names = new Set<string>();

  constructor(
    readonly rng: SeededRandom,
    readonly init: InitScheme = 'glorot-uniform',
  ) {
    this.prefix = `s2s${++instanceCounter}`;
  }

  /** A weight with the given initial values. */
  fromValues(name: string, shape: number[], values: Float32Array): tf.Variable {
    if (this.names.has(name)) throw new Error(`weight ${name} registered twice`);
    this.names.add(name);
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, `${this.prefix}/${name}`));
    this.weights.push({ name, variable });
    return variable;
  }

  /** A weight matrix `[fanIn, fanOut]` as the store's {@link InitScheme} starts one. */
  matrix(name: string, fanIn: number, fanOut: number): tf.Variable {
    if (this.init === 'uniform-0.1') return this.uniform(name, [fanIn, fanOut], UNIFORM_INIT_LIMIT);
    if (this.init === 'scaled-normal') return this.normal(name, [fanIn, fanOut], SCALED_NORMAL_STD);
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.uniform(name, [fanIn, fanOut], limit);
  }

  /**
   * A recurrent state matrix `[hidden, gates * hidden]`: under `orthogonal` each gate's
   * `[hidden, hidden]` block is orthogonal; otherwise a {@link matrix}.
   */
  recurrentMatrix(name: string, hidden: number, gates: number): tf.Variable {
    if (this.init !== 'orthogonal') return this.matrix(name, hidden, gates * hidden);
    const cols = gates * hidden;
    const v = new Float32Array(hidden * cols);
    for (let g = 0; g < gates; g++) {
      const q = randomOrthogonal(hidden, this.rng);
      for (let i = 0; i < hidden; i++)
        for (let j = 0; j < hidden; j++) v[i * cols + g * hidden + j] = q[i * hidden + j]!;
    }
    return this.fromValues(name, [hidden, cols], v);
  }

  /**
   * A matrix `[fanIn, fanOut]` whose output is added to a residual stream of `layers` blocks:
   * scaled down under `scaled-normal`, otherwise a {@link matrix}.
   */
  residualMatrix(name: string, fanIn: number, fanOut: number, layers: number): tf.Variable {
    if (this.init !== 'scaled-normal') return this.matrix(name, fanIn, fanOut);
    return this.normal(name, [fanIn, fanOut], SCALED_NORMAL_STD / Math.sqrt(2 * layers));
  }

  /** An embedding table `[vocab, dim]`: `model` under glorot-uniform and orthogonal, the scheme's otherwise. */
  embedding(name: string, shape: [number, number], model: EmbeddingInit): tf.Variable {
    if (this.init === 'uniform-0.1') return this.uniform(name, shape, UNIFORM_INIT_LIMIT);
    if (this.init === 'scaled-normal') return this.normal(name, shape, SCALED_NORMAL_STD);
    return 'uniform' in model ? this.uniform(name, shape, model.uniform) : this.normal(name, shape, model.normal);
  }

  uniform(name: string, shape: number[], limit: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = (this.rng.next() * 2 - 1) * limit;
    return this.fromValues(name, shape, v);
  }

  normal(name: string, shape: number[], std: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = this.rng.normal() * std;
    return this.fromValues(name, shape, v);
  }

  constant(name: string, shape: number[], value: number): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    return this.fromValues(name, shape, new Float32Array(n).fill(value));
  }

  dispose(): void {
    for (const w of this.weights) w.variable.dispose();
    this.weights.length = 0;
  }
}

/** `x @ w (+ b)` over the last axis for any rank: `[..., in] -> [..., out]`. */
export function dense(x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor {
  const inDim = x.shape[x.rank - 1]!;
  const outDim = w.shape[1];
  const flat = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]);
  let y: tf.Tensor = tf.matMul(flat as tf.Tensor2D, w);
  if (b) y = tf.add(y, b);
  return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), outDim]);
}

/** Layer normalisation over the last axis with gain `g` and bias `b` ([dim] each). */
export function layerNorm(x: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D, eps = 1e-5): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
}

/** Inverted dropout, applied only while training and with a rate above zero. */
export function maybeDropout(x: tf.Tensor, rate: number, training: boolean, rng: SeededRandom): tf.Tensor {
  if (!training || rate <= 0) return x;
  return tf.dropout(x, rate, undefined, rng.nextSeed());
}

/** True when the active backend can differentiate `gather` (its gradient is UnsortedSegmentSum). */
function gatherTrainsOnBackend(): boolean {
  return tf.getKernel('UnsortedSegmentSum', tf.getBackend()) !== undefined;
}

/**
 * Embedding lookup: `table` [vocab, dim], `ids` int32 [...] -> [..., dim].
 * When training on a backend without `gather`'s gradient kernel (wasm before
 * wasmKernels.ts registers one), it multiplies by a one-hot matrix instead, which trains
 * everywhere and costs `ids * vocab * dim` flops.
 */
export function embed(table: tf.Tensor2D, ids: tf.Tensor, training: boolean): tf.Tensor {
  if (!training || gatherTrainsOnBackend()) return tf.gather(table, ids);
  const [vocab, dim] = table.shape;
  const oneHot = tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, vocab);
  return tf.reshape(tf.matMul(oneHot, table), [...ids.shape, dim]);
}
