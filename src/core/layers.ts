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

/** Creates, names and owns the trainable weights of one model instance. */
export class WeightStore {
  readonly weights: NamedWeight[] = [];
  private readonly prefix: string;
  private readonly names = new Set<string>();

  constructor(readonly rng: SeededRandom) {
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

  /** Glorot/Xavier uniform matrix `[fanIn, fanOut]`. */
  matrix(name: string, fanIn: number, fanOut: number): tf.Variable {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return this.uniform(name, [fanIn, fanOut], limit);
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
