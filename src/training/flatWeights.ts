/**
 * A model's variables as one flat float32 array (the variables in model order, each row-major),
 * the layout in which data-parallel replicas share weights and gradients through
 * SharedArrayBuffers, and a checksum of the weights to prove replicas identical.
 */
import * as crypto from 'crypto';
import * as tf from '@tensorflow/tfjs';

/** Number of float32 values of all `variables` together. */
export function flatSize(variables: readonly tf.Tensor[]): number {
  return variables.reduce((n, v) => n + v.size, 0);
}

/** Copies `tensors` (model order) into `out`, one after another. */
export function writeFlat(tensors: readonly tf.Tensor[], out: Float32Array): void {
  let offset = 0;
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`cannot share a ${t.dtype} tensor; replicas share float32 only`);
    out.set(t.dataSync() as Float32Array, offset);
    offset += t.size;
  }
  if (offset !== out.length) throw new Error(`flat buffer holds ${out.length} values, the tensors ${offset}`);
}

/** New tensors shaped like `like`, copied out of `flat` (the caller owns them). */
export function readFlat(flat: Float32Array, like: readonly tf.Tensor[]): tf.Tensor[] {
  let offset = 0;
  return like.map((v) => {
    const t = tf.tensor(flat.slice(offset, offset + v.size), v.shape, 'float32');
    offset += v.size;
    return t;
  });
}

/** Assigns the weights in `flat` to `variables`. */
export function loadFlat(flat: Float32Array, variables: readonly tf.Variable[]): void {
  const values = readFlat(flat, variables);
  variables.forEach((v, i) => v.assign(values[i]!));
  tf.dispose(values);
}

/** SHA-256 of the variables' bytes in order: equal only when every weight is bit-identical. */
export function weightsChecksum(variables: readonly tf.Tensor[]): string {
  const hash = crypto.createHash('sha256');
  for (const v of variables) {
    const d = v.dataSync() as Float32Array;
    hash.update(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
  }
  return hash.digest('hex');
}
