/**
 * The wasm training kernels (src/core/wasmKernels.ts) against the plain JavaScript cpu backend:
 * same numbers for every matMul layout, batch and broadcast shape, segment sums and the
 * embedding gradient; no leaked tensors or backend buffers; an embedding model trains on wasm.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { clearWasmKernelCaches, registerWasmKernels, wasmKernelStats } from '../../src/core/wasmKernels';

type Values = { data: Float32Array | Int32Array; shape: number[]; dtype: 'float32' | 'int32' };

function rand(shape: number[], seed: number): Values {
  let x = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    data[i] = x / 4294967296 - 0.5;
  }
  return { data, shape, dtype: 'float32' };
}

/** Runs `f` on fresh tensors of `inputs` on `backend` and returns its output's values and shape. */
async function runOn(
  backend: string,
  inputs: Values[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<{ v: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const y = f(...inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype)));
    return { v: y.dataSync() as Float32Array, shape: y.shape };
  });
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.strictEqual(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function sameAsCpu(inputs: Values[], f: (...xs: tf.Tensor[]) => tf.Tensor, tol = 1e-5): Promise<void> {
  const want = await runOn('cpu', inputs, f);
  const got = await runOn('wasm', inputs, f);
  assert.deepStrictEqual(got.shape, want.shape);
  const d = maxDiff(got.v, want.v);
  assert.ok(d <= tol, `max difference ${d} > ${tol}`);
}

describe('wasm training kernels', function () {
  this.timeout(20000);
  let previous: string;

  before(async () => {
    previous = tf.getBackend();
    registerWasmKernels();
    registerWasmKernels(); // idempotent
    const choice = await selectBackend({ setting: 'wasm' });
    assert.strictEqual(choice.name, 'wasm');
  });

  after(async () => {
    clearWasmKernelCaches();
    if (previous) await tf.setBackend(previous);
  });

  describe('BatchMatMul', () => {
    for (const [ta, tb] of [
      [false, false],
      [true, false],
      [false, true],
      [true, true],
    ] as const) {
      it(`2-D, transposeA=${ta} transposeB=${tb}`, async () => {
        const a = rand(ta ? [7, 5] : [5, 7], 1);
        const b = rand(tb ? [9, 7] : [7, 9], 2);
        await sameAsCpu([a, b], (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, ta, tb));
      });
      it(`batched 3-D, transposeA=${ta} transposeB=${tb}`, async () => {
        const a = rand(ta ? [4, 6, 3] : [4, 3, 6], 3);
        const b = rand(tb ? [4, 5, 6] : [4, 6, 5], 4);
        await sameAsCpu([a, b], (x, y) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, ta, tb));
      });
    }

    it('uses the plain kernel for the plain layout and rewrites the others', async () => {
      await tf.setBackend('wasm');
      const before = wasmKernelStats();
      tf.tidy(() => {
        tf.matMul(tf.ones([2, 3]), tf.ones([3, 4]));
        tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true);
      });
      const after = wasmKernelStats();
      assert.strictEqual(after.plain - before.plain, 1);
      assert.strictEqual(after.rewritten - before.rewritten, 1);
    });

    it('folds a batch against one matrix into a single product', async () => {
      const a = rand([3, 4, 6], 5);
      const b = rand([6, 5], 6);
      await tf.setBackend('wasm');
      const before = wasmKernelStats().xnnCalls;
      await sameAsCpu([a, b], (x, y) => tf.matMul(x, y));
      assert.strictEqual(wasmKernelStats().xnnCalls - before, 1);
      await sameAsCpu([a, rand([5, 6], 7)], (x, y) => tf.matMul(x, y, false, true));
    });

    it('broadcasts one matrix against a batch on the right', async () => {
      await sameAsCpu([rand([6, 4], 8), rand([3, 6, 5], 9)], (x, y) => tf.matMul(x, y, true, false));
    });

    it('broadcasts batch axes of both sides like explicit tiling', async () => {
      // The cpu backend indexes broadcast batches modulo their size, which is wrong for this
      // shape pair, so the reference is an explicit tile on the same backend.
      await tf.setBackend('wasm');
      const [got, want] = tf.tidy(() => {
        const a = tf.tensor(rand([2, 1, 3, 4], 10).data, [2, 1, 3, 4]);
        const b = tf.tensor(rand([1, 5, 4, 6], 11).data, [1, 5, 4, 6]);
        const tiled = tf.matMul(tf.tile(a, [1, 5, 1, 1]), tf.tile(b, [2, 1, 1, 1]));
        return [tf.matMul(a, b).dataSync(), tiled.dataSync()];
      });
      assert.ok(maxDiff(got!, want!) < 1e-6);
    });

    it('matches at model sizes (GRU step backward products)', async () => {
      await sameAsCpu(
        [rand([32, 96], 12), rand([48, 96], 13)],
        (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, false, true),
        1e-4,
      );
      await sameAsCpu(
        [rand([64, 48], 14), rand([64, 96], 15)],
        (x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D, true, false),
        1e-4,
      );
    });

    it('reuses the transpose of an operand used twice and still gives fresh results', async () => {
      await tf.setBackend('wasm');
      const w = tf.variable(tf.tensor(rand([6, 4], 16).data, [6, 4]));
      const hitsBefore = wasmKernelStats().transposeCacheHits;
      const outs: Float32Array[] = [];
      for (let i = 0; i < 3; i++)
        outs.push(tf.tidy(() => tf.matMul(tf.ones([2, 4]), w, false, true).dataSync() as Float32Array));
      assert.ok(wasmKernelStats().transposeCacheHits - hitsBefore >= 1);
      assert.deepStrictEqual(outs[2], outs[0]);
      // A new value gets a new data id: the cached transpose must not be used for it.
      w.assign(tf.mul(w, 2));
      const doubled = tf.tidy(() => tf.matMul(tf.ones([2, 4]), w, false, true).dataSync());
      assert.ok(
        maxDiff(
          doubled,
          outs[0]!.map((v) => 2 * v),
        ) < 1e-5,
      );
      w.dispose();
    });

    it('leaks neither tensors nor backend buffers', async () => {
      await tf.setBackend('wasm');
      const a = tf.tensor(rand([3, 4, 6], 17).data, [3, 4, 6]);
      const b = tf.tensor(rand([3, 5, 6], 18).data, [3, 5, 6]);
      tf.tidy(() => tf.matMul(a, b, false, true)); // warm-up
      clearWasmKernelCaches();
      const tensors = tf.memory().numTensors;
      const buffers = tf.engine().backend.numDataIds();
      for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(tf.matMul(a, b, false, true), a, true, false).dataSync());
      clearWasmKernelCaches();
      assert.strictEqual(tf.memory().numTensors, tensors);
      assert.strictEqual(tf.engine().backend.numDataIds(), buffers);
      tf.dispose([a, b]);
    });
  });

  describe('UnsortedSegmentSum and the embedding gradient', () => {
    it('sums rows with repeated ids and drops out-of-range ids', async () => {
      const x = rand([6, 3], 20);
      const ids: Values = { data: new Int32Array([2, 0, 2, 2, 4, 0]), shape: [6], dtype: 'int32' };
      await sameAsCpu([x, ids], (v, s) => tf.unsortedSegmentSum(v, s as tf.Tensor1D, 4));
    });

    it('gives the gather gradient of an embedding table', async () => {
      const table = rand([10, 4], 22);
      const ids: Values = { data: new Int32Array([3, 7, 3, 0, 9, 3]), shape: [2, 3], dtype: 'int32' };
      const dy = rand([2, 3, 4], 23);
      await sameAsCpu([table, ids, dy], (t, i, g) =>
        tf.grad((tt: tf.Tensor) => tf.sum(tf.mul(tf.gather(tt, i!), g!)))(t!),
      );
    });
  });

  describe('Identity, Slice, Unpack, SplitV, Sum', () => {
    it('slices match for contiguous and strided windows', async () => {
      const x = rand([4, 5, 6], 30);
      await sameAsCpu([x], (v) => tf.slice(v, [1, 0, 0], [2, 5, 6]));
      await sameAsCpu([x], (v) => tf.slice(v, [1, 2, 3], [3, 2, 2]));
      await sameAsCpu([rand([3, 4, 5, 6, 2], 31)], (v) => tf.slice(v, [0, 1, 2, 3, 1], [2, 2, 2, 2, 1]));
    });

    it('unstack and split match on every axis', async () => {
      const x = rand([3, 4, 5], 32);
      for (const axis of [0, 1, 2]) {
        await sameAsCpu([x], (v) =>
          tf.stack(
            tf.unstack(v, axis).map((t) => tf.mul(t, 2)),
            axis,
          ),
        );
      }
      await sameAsCpu([x], (v) => tf.concat(tf.split(v, [1, 3, 1], 2).reverse(), 2));
      await sameAsCpu([x], (v) => tf.concat(tf.split(v, 2, 1).reverse(), 1));
    });

    it('sums over leading axes (bias gradients) and any other axes like cpu', async () => {
      const x = rand([6, 5, 4], 33);
      await sameAsCpu([x], (v) => tf.sum(v, 0));
      await sameAsCpu([x], (v) => tf.sum(v, [0, 1], true));
      await sameAsCpu([x], (v) => tf.sum(v, 2));
      await sameAsCpu([x], (v) => tf.sum(v));
      await sameAsCpu([x], (v) => tf.grad((b: tf.Tensor) => tf.sum(tf.mul(tf.add(v, b), v)))(tf.ones([4])));
    });

    it('a clone outlives its source', async () => {
      await tf.setBackend('wasm');
      const a = tf.tensor([1, 2, 3]);
      const c = tf.clone(a);
      a.dispose();
      assert.deepStrictEqual([...c.dataSync()], [1, 2, 3]);
      c.dispose();
    });
  });

  describe('training on wasm', () => {
    it('an embedding + dense model learns (loss drops) through the segment-sum gradient', async () => {
      await tf.setBackend('wasm');
      const vocab = 20;
      const emb = tf.variable(tf.tensor(rand([vocab, 8], 40).data, [vocab, 8]));
      const w = tf.variable(tf.tensor(rand([8, vocab], 41).data, [8, vocab]));
      const ids = tf.tensor2d(
        [...Array(32).keys()].map((i) => (i * 7) % vocab),
        [4, 8],
        'int32',
      );
      const target = tf.oneHot(tf.reshape(ids, [-1]) as tf.Tensor1D, vocab); // learn the identity map
      const opt = tf.train.adam(0.05);
      const lossOf = (): tf.Scalar =>
        tf.losses.softmaxCrossEntropy(target, tf.matMul(tf.reshape(tf.gather(emb, ids), [-1, 8]), w)) as tf.Scalar;
      const sums = wasmKernelStats().segmentSums;
      const first = tf.tidy(() => lossOf().dataSync()[0]!);
      opt.minimize(lossOf, false, [emb, w]); // creates the optimizer's slots
      const perStep = tf.memory().numTensors;
      for (let i = 1; i < 40; i++) opt.minimize(lossOf, false, [emb, w]);
      assert.strictEqual(tf.memory().numTensors, perStep, 'a training step leaks no tensors');
      const last = tf.tidy(() => lossOf().dataSync()[0]!);
      assert.ok(wasmKernelStats().segmentSums - sums >= 40, 'the gather gradient ran on the wasm segment sum');
      assert.ok(last < first * 0.3, `loss ${first} -> ${last}`);
      opt.dispose();
      tf.dispose([emb, w, ids, target]);
    });
  });
});
