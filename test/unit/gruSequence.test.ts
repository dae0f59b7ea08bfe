/**
 * The whole-sequence GRU op (one recurrent weight-gradient product over all steps) against plain
 * autodiff of the same recurrence: values and the gradients of every input agree, with and
 * without padding masks, in both directions; and the recurrent layer uses it.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { gruSequence, gruSequenceAutodiff } from '../../src/core/gruSequence';
import { registerWasmKernels } from '../../src/core/wasmKernels';

describe('whole-sequence GRU', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    registerWasmKernels();
  });

  for (const masked of [false, true])
    for (const reverse of [false, true])
      it(`matches autodiff in value and every gradient (${masked ? 'masked' : 'no mask'}, ${reverse ? 'reverse' : 'forward'})`, () => {
        const before = tf.memory().numTensors;
        tf.tidy(() => {
          const [T, b, H] = [5, 3, 4];
          const rnd = (shape: number[], seed: number) => tf.randomUniform(shape, -1, 1, 'float32', seed);
          const inputs = [rnd([T, b, 3 * H], 1), rnd([b, H], 2), rnd([H, 3 * H], 3), rnd([3 * H], 4)];
          // Row 1 ends after 3 steps, row 2 after 1 (right padding).
          const mask = masked
            ? (tf.tensor3d(
                Array.from({ length: T }, (_, t) => [[1], [t < 3 ? 1 : 0], [t < 1 ? 1 : 0]]),
                [T, b, 1],
              ) as tf.Tensor3D)
            : undefined;
          const weights = rnd([T, b, H], 5);
          const loss =
            (f: typeof gruSequence) =>
            (...x: tf.Tensor[]) =>
              tf.sum(
                tf.mul(
                  f(x[0] as tf.Tensor3D, x[1] as tf.Tensor2D, x[2] as tf.Tensor2D, x[3] as tf.Tensor1D, mask, reverse),
                  weights,
                ),
              );
          const v1 = gruSequence(...(inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]), mask, reverse);
          const v2 = gruSequenceAutodiff(
            ...(inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]),
            mask,
            reverse,
          );
          const dv = tf.max(tf.abs(tf.sub(v1, v2))).dataSync()[0]!;
          assert.ok(dv < 1e-6, `values differ by ${dv}`);
          const whole = tf.grads(loss(gruSequence))(inputs);
          const plain = tf.grads(loss(gruSequenceAutodiff))(inputs);
          whole.forEach((g, k) => {
            assert.deepStrictEqual(g.shape, inputs[k]!.shape);
            const a = g.dataSync();
            const ref = plain[k]!.dataSync();
            a.forEach((x, i) => assert.ok(Math.abs(x - ref[i]!) < 1e-5, `gradient ${k}[${i}]: ${x} vs ${ref[i]}`));
            assert.ok(
              ref.some((x) => Math.abs(x) > 1e-4),
              `gradient ${k} is trivial`,
            );
          });
        });
        assert.strictEqual(tf.memory().numTensors, before);
      });
});
