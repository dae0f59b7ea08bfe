/**
 * Attention mechanisms: golden values against a plain-JS reference with the same tiny
 * fixed-seed weights (tolerance 1e-4), and masking of source padding.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { createAttention } from '../../src/core/attention';
import { selectBackend } from '../../src/core/backend';
import type { AttentionType } from '../../src/core/config';
import { SeededRandom, WeightStore } from '../../src/core/layers';

type M = number[][];
const matVec = (x: number[], w: M): number[] => w[0]!.map((_, j) => x.reduce((s, xi, i) => s + xi * w[i]![j]!, 0));
const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);

/** Reference attention for one query over memory rows with a 0/1 mask. */
function reference(
  type: AttentionType,
  q: number[],
  memory: M,
  mask: number[],
  w: Record<string, M>,
): { weights: number[]; context: number[] } {
  let scores: number[];
  if (type === 'luong-dot') scores = memory.map((m) => dot(q, m));
  else if (type === 'luong-general') scores = memory.map((m) => dot(q, matVec(m, w['attention/w']!)));
  else {
    const qa = matVec(q, w['attention/wq']!);
    const v = w['attention/v']!.map((r) => r[0]!);
    scores = memory.map((m) =>
      dot(
        v,
        matVec(m, w['attention/wk']!).map((k, i) => Math.tanh(k + qa[i]!)),
      ),
    );
  }
  const live = scores.map((s, i) => (mask[i] ? s : -Infinity));
  const max = Math.max(...live);
  const e = live.map((s) => (Number.isFinite(s) ? Math.exp(s - max) : 0));
  const z = e.reduce((a, b) => a + b, 0);
  const weights = e.map((x) => x / z);
  const context = memory[0]!.map((_, j) => memory.reduce((s, m, i) => s + weights[i]! * m[j]!, 0));
  return { weights, context };
}

function randomMatrix(rng: SeededRandom, rows: number, cols: number): M {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.next() * 2 - 1));
}

function close(actual: number[], expected: number[], what: string): void {
  assert.strictEqual(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) < 1e-4, `${what}[${i}]: ${a} vs ${expected[i]}`));
}

describe('attention', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  const H = 4;
  const S = 5;
  const T = 2;
  const masks = [
    [1, 1, 1, 1, 1],
    [1, 1, 1, 0, 0],
  ];

  for (const type of ['luong-dot', 'luong-general', 'bahdanau'] as const) {
    it(`${type} matches a plain-JS reference and ignores padding`, () => {
      const rng = new SeededRandom(11);
      const store = new WeightStore(new SeededRandom(5));
      const mech = createAttention(type, store, H, H);
      const w: Record<string, M> = {};
      for (const nw of store.weights) w[nw.name] = nw.variable.arraySync() as M;
      const memory = [randomMatrix(rng, S, H), randomMatrix(rng, S, H)];
      const queries = [randomMatrix(rng, T, H), randomMatrix(rng, T, H)];
      // Padding rows hold junk that must not matter.
      memory[1]![3] = [9, -9, 9, -9];
      memory[1]![4] = [5, 5, 5, 5];
      const before = tf.memory().numTensors;
      const [ctx, wts] = tf.tidy(() => {
        const cache = mech.prepare(tf.tensor3d(memory), tf.tensor2d(masks));
        const r = mech.attend(tf.tensor3d(queries), cache);
        return [r.context.arraySync(), r.weights!.arraySync()];
      }) as unknown as [number[][][], number[][][]];
      assert.strictEqual(tf.memory().numTensors, before);
      for (let b = 0; b < 2; b++) {
        for (let t = 0; t < T; t++) {
          const ref = reference(type, queries[b]![t]!, memory[b]!, masks[b]!, w);
          close(wts[b]![t]!, ref.weights, `${type} weights b${b} t${t}`);
          close(ctx[b]![t]!, ref.context, `${type} context b${b} t${t}`);
          const row = wts[b]![t]!;
          assert.ok(Math.abs(row.reduce((s, x) => s + x, 0) - 1) < 1e-5, 'row sums to 1');
          masks[b]!.forEach((m, s) => {
            if (!m) assert.strictEqual(row[s], 0, 'padding gets exactly 0');
          });
        }
      }
      store.dispose();
    });
  }

  it("'none' gives the masked mean of the encoder outputs as a fixed context and no weights", () => {
    const store = new WeightStore(new SeededRandom(5));
    const mech = createAttention('none', store, H, H);
    const memory = [randomMatrix(new SeededRandom(3), S, H)];
    const mask = [[1, 1, 0, 0, 0]];
    const { ctx, hasWeights } = tf.tidy(() => {
      const cache = mech.prepare(tf.tensor3d(memory), tf.tensor2d(mask));
      const r = mech.attend(tf.zeros([1, T, H]) as tf.Tensor3D, cache);
      return { ctx: r.context.arraySync(), hasWeights: r.weights !== null };
    });
    assert.strictEqual(hasWeights, false);
    const expected = memory[0]![0]!.map((x, j) => (x + memory[0]![1]![j]!) / 2);
    close(ctx[0]![0]!, expected, 'context t0');
    close(ctx[0]![1]!, expected, 'context t1');
    assert.strictEqual(store.weights.length, 0);
  });
});
