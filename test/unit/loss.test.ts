/** Masked cross-entropy with label smoothing and per-token log-probabilities, against hand computation. */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { maskedCrossEntropy, tokenLogProbs } from '../../src/core/loss';

const LOGITS = [
  [
    [1, 2, 0.5],
    [0, 0, 3],
  ],
  [
    [2, -1, 0],
    [9, 9, 9],
  ],
];
const TARGETS = [
  [1, 2],
  [0, 1],
];
const MASK = [
  [1, 1],
  [1, 0],
];

const logSoftmax = (row: number[]): number[] => {
  const m = Math.max(...row);
  const z = Math.log(row.reduce((s, x) => s + Math.exp(x - m), 0)) + m;
  return row.map((x) => x - z);
};

describe('loss', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('averages -log p(target) over unmasked tokens only', () => {
    const expected =
      -(logSoftmax(LOGITS[0]![0]!)[1]! + logSoftmax(LOGITS[0]![1]!)[2]! + logSoftmax(LOGITS[1]![0]!)[0]!) / 3;
    const before = tf.memory().numTensors;
    const [loss, lps] = tf.tidy(() => [
      maskedCrossEntropy(
        tf.tensor3d(LOGITS),
        tf.tensor2d(TARGETS, undefined, 'int32'),
        tf.tensor2d(MASK),
      ).dataSync()[0]!,
      tokenLogProbs(tf.tensor3d(LOGITS), tf.tensor2d(TARGETS, undefined, 'int32')).arraySync(),
    ]) as unknown as [number, number[][]];
    assert.strictEqual(tf.memory().numTensors, before);
    assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
    assert.ok(Math.abs(lps[1]![1]! - Math.log(1 / 3)) < 1e-5);
    assert.ok(Math.abs(lps[0]![0]! - logSoftmax(LOGITS[0]![0]!)[1]!) < 1e-5);
  });

  it('label smoothing mixes in the uniform distribution: (1-e)*nll + e*mean(-log p)', () => {
    const eps = 0.2;
    const rows: [number[], number][] = [
      [LOGITS[0]![0]!, 1],
      [LOGITS[0]![1]!, 2],
      [LOGITS[1]![0]!, 0],
    ];
    const expected =
      rows.reduce((s, [r, t]) => {
        const lp = logSoftmax(r);
        return s + (1 - eps) * -lp[t]! + (eps * -lp.reduce((a, b) => a + b, 0)) / lp.length;
      }, 0) / 3;
    const loss = tf.tidy(
      () =>
        maskedCrossEntropy(
          tf.tensor3d(LOGITS),
          tf.tensor2d(TARGETS, undefined, 'int32'),
          tf.tensor2d(MASK),
          eps,
        ).dataSync()[0]!,
    );
    assert.ok(Math.abs(loss - expected) < 1e-5, `${loss} vs ${expected}`);
    tf.tidy(() =>
      assert.throws(
        () =>
          maskedCrossEntropy(
            tf.zeros([1, 1, 3]) as tf.Tensor3D,
            tf.zeros([1, 1], 'int32') as tf.Tensor2D,
            tf.ones([1, 1]) as tf.Tensor2D,
            1,
          ),
        /labelSmoothing/,
      ),
    );
  });
});
