/**
 * A whole GRU sequence as one differentiable op, for training on wasm where every kernel call
 * costs. The forward pass is the step loop of recurrent.ts; the backward pass runs the state
 * gradient back through the steps (one `[b, 3H] x [3H, H]` product per step, unavoidable) but
 * takes the recurrent weight gradient as ONE product over all steps, `H_prev^T [H, T*b] x dGates
 * [T*b, 3H]`, and its bias gradient as one sum, instead of one product and one sum per step.
 * `gruSequenceAutodiff` is the same maths by plain autodiff, the reference for tests.
 *
 * Time-major throughout: `xs` `[T, b, 3H]` (input projections with their bias), outputs
 * `[T, b, H]` in time order. `masks` `[T, b, 1]` (1 = real token) keeps the previous state on
 * padded steps; `reverse` runs from the last step to the first.
 */
import * as tf from '@tensorflow/tfjs';

export interface StepValues {
  h: tf.Tensor2D;
  rz: tf.Tensor2D;
  n: tf.Tensor2D;
  hn: tf.Tensor2D;
}

/** One GRU step: h' = (1 - z) * n + z * h, with the candidate's state bias inside r * (...). */
export function gruCell(xt: tf.Tensor2D, h: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D): StepValues {
  const H = h.shape[1];
  const hh = tf.add(tf.matMul(h, wh), bh) as tf.Tensor2D;
  const [xrz, xn] = tf.split(xt, [2 * H, H], 1);
  const [hrz, hn] = tf.split(hh, [2 * H, H], 1);
  const rz = tf.sigmoid(tf.add(xrz!, hrz!)) as tf.Tensor2D;
  const [r, z] = tf.split(rz, 2, 1);
  const n = tf.tanh(tf.add(xn!, tf.mul(r!, hn!))) as tf.Tensor2D;
  return { h: tf.add(n, tf.mul(z!, tf.sub(h, n))) as tf.Tensor2D, rz, n, hn: hn as tf.Tensor2D };
}

/**
 * One step's gate gradients from `dg` [b, H], the gradient reaching the step's output, and what
 * its forward pass saved: `dx` [b, 3H] for the input projection, `dhh` [b, 3H] for the state
 * projection `h Wh + bh`, and `z` [b, H] (the share of `dg` passed straight to the previous state).
 */
export function gruGateGradients(
  dg: tf.Tensor2D,
  prev: tf.Tensor2D,
  rz: tf.Tensor2D,
  n: tf.Tensor2D,
  hn: tf.Tensor2D,
): { dx: tf.Tensor2D; dhh: tf.Tensor2D; z: tf.Tensor2D } {
  const [r, z] = tf.split(rz, 2, 1);
  const dn = tf.mul(dg, tf.sub(1, z!));
  const dz = tf.mul(dg, tf.sub(prev, n));
  const dpreN = tf.mul(dn, tf.sub(1, tf.square(n)));
  const dpreRZ = tf.mul(tf.concat([tf.mul(dpreN, hn), dz], 1), tf.mul(rz, tf.sub(1, rz)));
  return {
    dx: tf.concat([dpreRZ, dpreN], 1) as tf.Tensor2D,
    dhh: tf.concat([dpreRZ, tf.mul(dpreN, r!)], 1) as tf.Tensor2D,
    z: z as tf.Tensor2D,
  };
}

/** The state after a step, kept where the mask is 0. */
const keep = (prev: tf.Tensor2D, next: tf.Tensor2D, m?: tf.Tensor2D): tf.Tensor2D =>
  m ? (tf.add(prev, tf.mul(m, tf.sub(next, prev))) as tf.Tensor2D) : next;

/** Step order: forward in time, or backward for `reverse`. */
const order = (T: number, reverse: boolean): number[] => Array.from({ length: T }, (_, k) => (reverse ? T - 1 - k : k));

/** The same GRU sequence by plain autodiff (the reference for {@link gruSequence}). */
export function gruSequenceAutodiff(
  xs: tf.Tensor3D,
  h0: tf.Tensor2D,
  wh: tf.Tensor2D,
  bh: tf.Tensor1D,
  masks: tf.Tensor3D | undefined,
  reverse: boolean,
): tf.Tensor3D {
  const steps = tf.unstack(xs) as tf.Tensor2D[];
  const ms = masks ? (tf.unstack(masks) as tf.Tensor2D[]) : undefined;
  const out = new Array<tf.Tensor2D>(steps.length);
  let h = h0;
  for (const t of order(steps.length, reverse)) {
    h = keep(h, gruCell(steps[t]!, h, wh, bh).h, ms?.[t]);
    out[t] = h;
  }
  return tf.stack(out) as tf.Tensor3D;
}

/** The GRU over a whole sequence with the whole-sequence backward pass described above. */
export function gruSequence(
  xs: tf.Tensor3D,
  h0: tf.Tensor2D,
  wh: tf.Tensor2D,
  bh: tf.Tensor1D,
  masks: tf.Tensor3D | undefined,
  reverse: boolean,
): tf.Tensor3D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [x, h0In, w, b, m] = args.slice(0, -1) as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.Tensor3D?];
    const T = x.shape[0];
    const steps = tf.unstack(x) as tf.Tensor2D[];
    const ms = m ? (tf.unstack(m) as tf.Tensor2D[]) : undefined;
    const [out, prev, rzs, ns, hns] = [0, 1, 2, 3, 4].map(() => new Array<tf.Tensor2D>(T));
    let h = h0In;
    for (const t of order(T, reverse)) {
      const s = gruCell(steps[t]!, h, w, b);
      [prev![t], rzs![t], ns![t], hns![t]] = [h, s.rz, s.n, s.hn];
      h = keep(h, s.h, ms?.[t]);
      out![t] = h;
    }
    const value = tf.stack(out!) as tf.Tensor3D;
    save([tf.stack(prev!), tf.stack(rzs!), tf.stack(ns!), tf.stack(hns!), w, ...(m ? [m] : [])]);
    return {
      value,
      gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
        const [P, RZ, N, HN, wS, M] = saved as [
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor3D,
          tf.Tensor2D,
          tf.Tensor3D?,
        ];
        const [dys, ps, rz, n, hn] = [dy, P, RZ, N, HN].map((t) => tf.unstack(t) as tf.Tensor2D[]);
        const mk = M ? (tf.unstack(M) as tf.Tensor2D[]) : undefined;
        const dxs = new Array<tf.Tensor2D>(T);
        const dhh = new Array<tf.Tensor2D>(T);
        let carry: tf.Tensor2D | null = null;
        for (const t of order(T, !reverse)) {
          const dyt = carry ? (tf.add(dys![t]!, carry) as tf.Tensor2D) : dys![t]!;
          // Through the mask: a padded step passes its gradient straight to the previous state.
          const dg = mk ? (tf.mul(dyt, mk[t]!) as tf.Tensor2D) : dyt;
          const g = gruGateGradients(dg, ps![t]!, rz![t]!, n![t]!, hn![t]!);
          dxs[t] = g.dx;
          dhh[t] = g.dhh;
          const direct = mk ? tf.add(tf.sub(dyt, dg), tf.mul(dg, g.z)) : tf.mul(dg, g.z);
          carry = tf.add(direct, tf.matMul(dhh[t]!, wS, false, true)) as tf.Tensor2D;
        }
        const [, b, H] = P.shape;
        // One product over every step: [H, T*b] x [T*b, 3H].
        const gates = tf.reshape(tf.stack(dhh), [T * b, 3 * H]) as tf.Tensor2D;
        const dW = tf.matMul(tf.reshape(P, [T * b, H]) as tf.Tensor2D, gates, true, false);
        const grads = [tf.stack(dxs), carry!, dW, tf.sum(gates, 0)];
        return M ? [...grads, tf.zerosLike(M)] : grads;
      },
    };
  }) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor3D;
  return masks ? op(xs, h0, wh, bh, masks) : op(xs, h0, wh, bh);
}
