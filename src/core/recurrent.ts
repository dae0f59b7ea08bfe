/**
 * GRU and LSTM layers as raw tfjs ops, shared by the recurrent encoder and decoder.
 *
 * Speed rules (per-kernel overhead dominates on wasm): the input projection for all time steps
 * is one matMul outside the loop; inside the loop one matMul computes every gate of the state
 * path (`[b, H] x [H, G*H]`), and gate activations run on contiguous slices. A GRU layer runs as
 * one whole-sequence op (gruSequence.ts) whose backward pass takes the recurrent weight gradient
 * in one product over all steps.
 * Gate layout: GRU `[r | z | n]` (G = 3), LSTM `[i | f | o | g]` (G = 4).
 */
import * as tf from '@tensorflow/tfjs';

import type { CellType } from './config';
import { gruCell, gruGateGradients, gruSequence } from './gruSequence';
import { dense, type WeightStore } from './layers';

/** Weights of one recurrent layer in one direction. */
export interface RecurrentParams {
  readonly cell: CellType;
  readonly hidden: number;
  /** [in, G*H] */
  readonly wx: tf.Variable;
  /** [G*H] */
  readonly bx: tf.Variable;
  /** [H, G*H] */
  readonly wh: tf.Variable;
  /** [G*H] (GRU only: the candidate's state bias sits inside r * (...)) */
  readonly bh?: tf.Variable;
}

/** Recurrent state: `h` [b, H], and `c` [b, H] for LSTM. */
export interface RecurrentState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

export function gateCount(cell: CellType): number {
  return cell === 'gru' ? 3 : 4;
}

export function createRecurrentParams(
  store: WeightStore,
  name: string,
  cell: CellType,
  inDim: number,
  hidden: number,
): RecurrentParams {
  const g = gateCount(cell);
  const wx = store.matrix(`${name}/wx`, inDim, g * hidden);
  const wh = store.recurrentMatrix(`${name}/wh`, hidden, g);
  if (cell === 'gru') {
    return {
      cell,
      hidden,
      wx,
      wh,
      bx: store.constant(`${name}/bx`, [g * hidden], 0),
      bh: store.constant(`${name}/bh`, [g * hidden], 0),
    };
  }
  // LSTM: forget-gate bias 1 so that early gradients flow through the cell state.
  const bias = new Float32Array(g * hidden).map((_, i) => (i >= hidden && i < 2 * hidden ? 1 : 0));
  const bx = store.fromValues(`${name}/bx`, [g * hidden], bias);
  return { cell, hidden, wx, wh, bx };
}

/** Input projection for every step at once: `[b, T, in] -> [b, T, G*H]`. */
export function projectInputs(p: RecurrentParams, xs: tf.Tensor3D): tf.Tensor3D {
  return dense(xs, p.wx as tf.Tensor2D, p.bx as tf.Tensor1D) as tf.Tensor3D;
}

/**
 * One step from a precomputed input projection `xt` [b, G*H] (bias included).
 * `mask` [b, 1] (1 = real token) keeps the previous state on padded steps.
 */
export function recurrentStep(
  p: RecurrentParams,
  xt: tf.Tensor2D,
  state: RecurrentState,
  mask?: tf.Tensor2D,
): RecurrentState {
  const h = state.h;
  let next: RecurrentState;
  if (p.cell === 'gru') {
    next = { h: gruStep(xt, h, p.wh as tf.Tensor2D, p.bh! as tf.Tensor1D) };
  } else {
    const [hNext, cNext] = tf.split(lstmStep(xt, h, state.c!, p.wh as tf.Tensor2D), 2, 1);
    next = { h: hNext as tf.Tensor2D, c: cNext as tf.Tensor2D };
  }
  if (!mask) return next;
  const keep = (prev: tf.Tensor2D, cur: tf.Tensor2D): tf.Tensor2D =>
    tf.add(prev, tf.mul(mask, tf.sub(cur, prev))) as tf.Tensor2D;
  return next.c ? { h: keep(h, next.h), c: keep(state.c!, next.c) } : { h: keep(h, next.h) };
}

export function zeroState(cell: CellType, batch: number, hidden: number): RecurrentState {
  const h = tf.zeros([batch, hidden]) as tf.Tensor2D;
  return cell === 'lstm' ? { h, c: tf.zeros([batch, hidden]) as tf.Tensor2D } : { h };
}

/**
 * Runs one layer over a sequence.
 * @param xs `[b, T, in]` inputs
 * @param mask `[b, T]` 1 on real tokens (optional; right padding keeps the last real state)
 * @param reverse run from the last step to the first (backward direction)
 * @returns outputs `[b, T, H]` in time order and the final state
 */
export function runRecurrentLayer(
  p: RecurrentParams,
  xs: tf.Tensor3D,
  init: RecurrentState,
  mask?: tf.Tensor2D,
  reverse = false,
): { outputs: tf.Tensor3D; final: RecurrentState } {
  const T = xs.shape[1];
  // [T, b, G*H]: time-major so that each step is one contiguous slice.
  const projected = tf.transpose(projectInputs(p, xs), [1, 0, 2]) as tf.Tensor3D;
  const masksT = mask ? (tf.expandDims(tf.transpose(mask), 2) as tf.Tensor3D) : undefined;
  if (p.cell === 'gru') {
    // The whole sequence as one op: its backward pass takes the weight gradient in one product.
    const out = gruSequence(projected, init.h, p.wh as tf.Tensor2D, p.bh! as tf.Tensor1D, masksT, reverse);
    const last = tf.squeeze(tf.slice(out, [reverse ? 0 : T - 1, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
    return { outputs: tf.transpose(out, [1, 0, 2]) as tf.Tensor3D, final: { h: last } };
  }
  const steps = tf.unstack(projected) as tf.Tensor2D[];
  const masks = masksT ? (tf.unstack(masksT) as tf.Tensor2D[]) : undefined;
  const outputs = new Array<tf.Tensor2D>(T);
  let state = init;
  for (let k = 0; k < T; k++) {
    const t = reverse ? T - 1 - k : k;
    state = recurrentStep(p, steps[t]!, state, masks?.[t]);
    outputs[t] = state.h;
  }
  return { outputs: tf.stack(outputs, 1) as tf.Tensor3D, final: state };
}

/**
 * GRU step by plain autodiff: `xt` [b, 3H] (input projection with bias), `h` [b, H],
 * `wh` [H, 3H], `bh` [3H] -> h' [b, H]. The reference for {@link gruStep}.
 */
export function gruStepAutodiff(xt: tf.Tensor2D, h: tf.Tensor2D, wh: tf.Tensor2D, bh: tf.Tensor1D): tf.Tensor2D {
  const H = h.shape[1];
  const hh = tf.add(tf.matMul(h, wh), bh) as tf.Tensor2D;
  const [xrz, xn] = tf.split(xt, [2 * H, H], 1);
  const [hrz, hn] = tf.split(hh, [2 * H, H], 1);
  const [r, z] = tf.split(tf.sigmoid(tf.add(xrz!, hrz!)), 2, 1);
  const n = tf.tanh(tf.add(xn!, tf.mul(r!, hn!)));
  return tf.add(n, tf.mul(z!, tf.sub(h, n))) as tf.Tensor2D; // (1 - z) * n + z * h
}

type GradientFunc = (...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  value: tf.Tensor2D;
  gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.Tensor[];
};

const gruStepWithGradient: GradientFunc = (...args) => {
  const [xt, h, wh, bh, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  const s = gruCell(xt, h, wh, bh);
  save([h, wh, s.rz, s.n, s.hn]);
  return {
    value: s.h,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [h0, w, rzS, nS, hnS] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const { dx, dhh, z } = gruGateGradients(dy, h0, rzS, nS, hnS);
      const dh = tf.add(tf.mul(dy, z), tf.matMul(dhh, w, false, true));
      return [dx, dh, tf.matMul(h0, dhh, true, false), tf.sum(dhh, 0)];
    },
  };
};

/**
 * GRU step with a hand-written gradient (same maths as {@link gruStepAutodiff}): the backward
 * pass takes about 20 kernels instead of about 45, which matters because per-kernel overhead
 * dominates recurrent training on wasm.
 */
export const gruStep = tf.customGrad(gruStepWithGradient) as unknown as (
  xt: tf.Tensor2D,
  h: tf.Tensor2D,
  wh: tf.Tensor2D,
  bh: tf.Tensor1D,
) => tf.Tensor2D;

/**
 * LSTM step by plain autodiff: `xt` [b, 4H] (with bias), `h`, `c` [b, H], `wh` [H, 4H]
 * -> `[h'; c']` [b, 2H]. The reference for {@link lstmStep}.
 */
export function lstmStepAutodiff(xt: tf.Tensor2D, h: tf.Tensor2D, c: tf.Tensor2D, wh: tf.Tensor2D): tf.Tensor2D {
  const H = h.shape[1];
  const gates = tf.add(xt, tf.matMul(h, wh));
  const [ifo, gPre] = tf.split(gates, [3 * H, H], 1);
  const [i, f, o] = tf.split(tf.sigmoid(ifo!), 3, 1);
  const cNext = tf.add(tf.mul(f!, c), tf.mul(i!, tf.tanh(gPre!)));
  return tf.concat([tf.mul(o!, tf.tanh(cNext)), cNext], 1) as tf.Tensor2D;
}

const lstmStepWithGradient: GradientFunc = (...args) => {
  const [xt, h, c, wh, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const H = h.shape[1];
  const gates = tf.add(xt, tf.matMul(h, wh));
  const [ifoPre, gPre] = tf.split(gates, [3 * H, H], 1);
  const ifo = tf.sigmoid(ifoPre!) as tf.Tensor2D;
  const [i, f, o] = tf.split(ifo, 3, 1);
  const g = tf.tanh(gPre!) as tf.Tensor2D;
  const cNext = tf.add(tf.mul(f!, c), tf.mul(i!, g)) as tf.Tensor2D;
  const tc = tf.tanh(cNext) as tf.Tensor2D;
  save([h, c, wh, ifo, g, tc]);
  return {
    value: tf.concat([tf.mul(o!, tc), cNext], 1) as tf.Tensor2D,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [h0, c0, w, ifoS, gS, tcS] = saved as tf.Tensor2D[];
      const [iS, fS, oS] = tf.split(ifoS!, 3, 1);
      const [dh, dcOut] = tf.split(dy, 2, 1);
      const dc = tf.add(dcOut!, tf.mul(tf.mul(dh!, oS!), tf.sub(1, tf.square(tcS!))));
      const dIfo = tf.mul(
        tf.concat([tf.mul(dc, gS!), tf.mul(dc, c0!), tf.mul(dh!, tcS!)], 1),
        tf.mul(ifoS!, tf.sub(1, ifoS!)),
      );
      const dG = tf.mul(tf.mul(dc, iS!), tf.sub(1, tf.square(gS!)));
      const dGates = tf.concat([dIfo, dG], 1);
      return [dGates, tf.matMul(dGates, w!, false, true), tf.mul(dc, fS!), tf.matMul(h0!, dGates, true, false)];
    },
  };
};

/** LSTM step with a hand-written gradient (same maths as {@link lstmStepAutodiff}). */
export const lstmStep = tf.customGrad(lstmStepWithGradient) as unknown as (
  xt: tf.Tensor2D,
  h: tf.Tensor2D,
  c: tf.Tensor2D,
  wh: tf.Tensor2D,
) => tf.Tensor2D;
