/**
 * Recurrent encoder: GRU and LSTM recurrences against plain-JS references (PyTorch's gate
 * equations) with tiny fixed-seed weights, and invariance to right padding in both directions.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { resolveModelConfig, type CellType } from '../../src/core/config';
import { RecurrentEncoder } from '../../src/core/encoder';
import { SeededRandom, WeightStore } from '../../src/core/layers';
import { gruStep, gruStepAutodiff, lstmStep, lstmStepAutodiff } from '../../src/core/recurrent';

type M = number[][];
const sig = (x: number): number => 1 / (1 + Math.exp(-x));
const affine = (x: number[], w: M, b: number[]): number[] =>
  b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * w[i]![j]!, 0));

/** Reference forward pass of one unidirectional layer; returns the outputs per step. */
function referenceLayer(cell: CellType, ids: number[], w: Record<string, M | number[]>, H: number): number[][] {
  const emb = w['encoder/embedding'] as M;
  const wx = w['encoder/l0/fw/wx'] as M;
  const bx = w['encoder/l0/fw/bx'] as number[];
  const wh = w['encoder/l0/fw/wh'] as M;
  const bh = cell === 'gru' ? (w['encoder/l0/fw/bh'] as number[]) : new Array<number>(4 * H).fill(0);
  let h = new Array<number>(H).fill(0);
  let c = new Array<number>(H).fill(0);
  const out: number[][] = [];
  for (const id of ids) {
    const xp = affine(emb[id]!, wx, bx);
    const hp = affine(h, wh, bh);
    if (cell === 'gru') {
      const r = h.map((_, j) => sig(xp[j]! + hp[j]!));
      const z = h.map((_, j) => sig(xp[H + j]! + hp[H + j]!));
      const n = h.map((_, j) => Math.tanh(xp[2 * H + j]! + r[j]! * hp[2 * H + j]!));
      h = h.map((hj, j) => (1 - z[j]!) * n[j]! + z[j]! * hj);
    } else {
      const g = (k: number, j: number) => xp[k * H + j]! + hp[k * H + j]!;
      const i = h.map((_, j) => sig(g(0, j)));
      const f = h.map((_, j) => sig(g(1, j)));
      const o = h.map((_, j) => sig(g(2, j)));
      const gg = h.map((_, j) => Math.tanh(g(3, j)));
      c = c.map((cj, j) => f[j]! * cj + i[j]! * gg[j]!);
      h = c.map((cj, j) => o[j]! * Math.tanh(cj));
    }
    out.push(h);
  }
  return out;
}

describe('recurrent encoder', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  for (const cell of ['gru', 'lstm'] as const) {
    it(`${cell} outputs match a plain-JS reference (1e-4)`, () => {
      const H = 4;
      const config = resolveModelConfig(
        { cell, embeddingDim: 3, hiddenDim: H, bidirectional: false, dropout: 0 },
        10,
        10,
      );
      const store = new WeightStore(new SeededRandom(21));
      const encoder = new RecurrentEncoder(config, store, new SeededRandom(1));
      const w: Record<string, M | number[]> = {};
      for (const nw of store.weights) w[nw.name] = nw.variable.arraySync() as M | number[];
      const ids = [4, 7, 8, 9, 2];
      const expected = referenceLayer(cell, ids, w, H);
      const before = tf.memory().numTensors;
      const actual = tf.tidy(() => {
        const src = tf.tensor2d([ids], undefined, 'int32');
        return encoder.encode(src, tf.onesLike(src).toFloat() as tf.Tensor2D, false).memory.arraySync()[0]!;
      });
      assert.strictEqual(tf.memory().numTensors, before);
      expected.forEach((row, t) =>
        row.forEach((x, j) => assert.ok(Math.abs(actual[t]![j]! - x) < 1e-4, `t${t} j${j}: ${actual[t]![j]} vs ${x}`)),
      );
      store.dispose();
    });
  }

  it('the GRU step with a hand-written gradient matches autodiff in value and all gradients', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const H = 3;
      const rnd = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
      const inputs = [rnd([2, 3 * H], 1), rnd([2, H], 2), rnd([H, 3 * H], 3), rnd([3 * H], 4)] as [
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor2D,
        tf.Tensor1D,
      ];
      const weights = rnd([2, H], 5); // a loss that weighs outputs differently
      const loss =
        (f: typeof gruStep) =>
        (...x: tf.Tensor[]) =>
          tf.sum(
            tf.mul(
              tf.square(f(x[0] as tf.Tensor2D, x[1] as tf.Tensor2D, x[2] as tf.Tensor2D, x[3] as tf.Tensor1D)),
              weights,
            ),
          );
      const fused = tf.grads(loss(gruStep))([...inputs]);
      const plain = tf.grads(loss(gruStepAutodiff))([...inputs]);
      const v1 = gruStep(...inputs).arraySync();
      const v2 = gruStepAutodiff(...inputs).arraySync();
      v1.forEach((r, i) => r.forEach((x, j) => assert.ok(Math.abs(x - v2[i]![j]!) < 1e-6)));
      fused.forEach((g, k) => {
        assert.deepStrictEqual(g.shape, inputs[k]!.shape);
        const a = g.dataSync();
        const b = plain[k]!.dataSync();
        a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-5, `gradient ${k}[${i}]: ${x} vs ${b[i]}`));
        assert.ok(
          b.some((x) => Math.abs(x) > 1e-4),
          'non-trivial gradient',
        );
      });
    });
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('the LSTM step with a hand-written gradient matches autodiff in value and all gradients', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const H = 3;
      const rnd = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
      const inputs = [rnd([2, 4 * H], 1), rnd([2, H], 2), rnd([2, H], 3), rnd([H, 4 * H], 4)] as tf.Tensor2D[];
      const weights = rnd([2, 2 * H], 5);
      const loss =
        (f: typeof lstmStep) =>
        (...x: tf.Tensor[]) =>
          tf.sum(tf.mul(tf.square(f(...(x as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]))), weights));
      const fused = tf.grads(loss(lstmStep))(inputs);
      const plain = tf.grads(loss(lstmStepAutodiff))(inputs);
      const [a0, a1, a2, a3] = inputs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const v1 = lstmStep(a0, a1, a2, a3).dataSync();
      const v2 = lstmStepAutodiff(a0, a1, a2, a3).dataSync();
      v1.forEach((x, i) => assert.ok(Math.abs(x - v2[i]!) < 1e-6));
      fused.forEach((g, k) => {
        assert.deepStrictEqual(g.shape, inputs[k]!.shape);
        const a = g.dataSync();
        const b = plain[k]!.dataSync();
        a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) < 1e-5, `gradient ${k}[${i}]: ${x} vs ${b[i]}`));
        assert.ok(
          b.some((x) => Math.abs(x) > 1e-4),
          'non-trivial gradient',
        );
      });
    });
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('bidirectional 2-layer outputs and final states ignore right padding', () => {
    const config = resolveModelConfig(
      { cell: 'lstm', embeddingDim: 3, hiddenDim: 4, encoderLayers: 2, dropout: 0 },
      12,
      12,
    );
    const store = new WeightStore(new SeededRandom(2));
    const encoder = new RecurrentEncoder(config, store, new SeededRandom(1));
    const run = (rows: number[][]) =>
      tf.tidy(() => {
        const src = tf.tensor2d(rows, undefined, 'int32');
        const out = encoder.encode(src, tf.notEqual(src, 0).toFloat() as tf.Tensor2D, false);
        return { memory: out.memory.arraySync(), finals: out.finals.map((f) => f.h.arraySync()) };
      });
    const alone = run([[4, 7, 8, 2]]);
    const padded = run([
      [4, 7, 8, 2, 0, 0],
      [4, 9, 10, 11, 6, 2],
    ]);
    for (let t = 0; t < 4; t++) {
      alone.memory[0]![t]!.forEach((x, j) => assert.ok(Math.abs(padded.memory[0]![t]![j]! - x) < 1e-5, `memory t${t}`));
    }
    alone.finals.forEach((f, l) =>
      f[0]!.forEach((x, j) => assert.ok(Math.abs(padded.finals[l]![0]![j]! - x) < 1e-5, `final l${l}`)),
    );
    // The padded batch's other row differs, so the comparison is not vacuous.
    assert.ok(Math.abs(padded.finals[1]![1]![0]! - padded.finals[1]![0]![0]!) > 1e-6);
    store.dispose();
  });
});
