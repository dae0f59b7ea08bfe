/**
 * buildModel and the model contract: configuration errors name the field, step-wise decoding
 * agrees with the teacher-forced pass for every architecture and attention type, dropout
 * applies only in training, and no tensor leaks after inference or a training step.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { ConfigurationError, type ModelConfig } from '../../src/core/config';
import { maskedCrossEntropy } from '../../src/core/loss';
import { copyDistribution } from '../../src/core/decoder';
import { buildModel, disposeDecodingTensors } from '../../src/core/model';

export const TINY_VARIANTS: Record<string, Partial<ModelConfig>> = {
  'gru + luong-general': { cell: 'gru', attention: 'luong-general', embeddingDim: 6, hiddenDim: 8 },
  'gru + luong-dot (unidirectional, 2 layers)': {
    cell: 'gru',
    attention: 'luong-dot',
    bidirectional: false,
    encoderLayers: 2,
    decoderLayers: 2,
    embeddingDim: 6,
    hiddenDim: 8,
  },
  'lstm + bahdanau (2 layers)': {
    cell: 'lstm',
    attention: 'bahdanau',
    encoderLayers: 2,
    decoderLayers: 2,
    embeddingDim: 6,
    hiddenDim: 8,
  },
  'gru + luong-general + copy': { cell: 'gru', attention: 'luong-general', embeddingDim: 6, hiddenDim: 8, copy: true },
  'lstm + bahdanau + copy (2 layers)': {
    cell: 'lstm',
    attention: 'bahdanau',
    decoderLayers: 2,
    embeddingDim: 6,
    hiddenDim: 8,
    copy: true,
  },
  'lstm + none': { cell: 'lstm', attention: 'none', embeddingDim: 6, hiddenDim: 8 },
  'transformer (tied)': {
    arch: 'transformer',
    dModel: 8,
    heads: 2,
    ffDim: 16,
    encoderLayers: 2,
    decoderLayers: 2,
    tieEmbeddings: true,
  },
  'transformer + copy (2 layers)': {
    arch: 'transformer',
    dModel: 8,
    heads: 2,
    ffDim: 16,
    encoderLayers: 2,
    decoderLayers: 2,
    copy: true,
  },
  'cnn + copy (2 layers)': { arch: 'cnn', embeddingDim: 6, hiddenDim: 8, decoderLayers: 2, copy: true },
};

const SRC = [
  [4, 7, 8, 9, 2],
  [5, 10, 2, 0, 0],
];
const TGT_IN = [
  [1, 7, 8, 11],
  [1, 9, 0, 0],
];
const TGT_OUT = [
  [7, 8, 11, 2],
  [9, 2, 0, 0],
];

describe('model', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('rejects impossible configurations with a ConfigurationError naming the field', () => {
    const cases: [Partial<ModelConfig>, string][] = [
      [{ attention: 'luong-dot', bidirectional: true }, 'attention'],
      [{ arch: 'transformer', dModel: 10, heads: 3 }, 'heads'],
      [{ hiddenDim: 0 }, 'hiddenDim'],
      [{ dropout: 1 }, 'dropout'],
      [{ cell: 'rnn' as never }, 'cell'],
      [{ tieEmbeddings: true, embeddingDim: 8, hiddenDim: 16 }, 'tieEmbeddings'],
      [{ hidenDim: 3 } as Partial<ModelConfig>, 'hidenDim'],
      [{ copy: true, attention: 'none' }, 'copy'],
    ];
    for (const [config, field] of cases) {
      assert.throws(
        () => buildModel(config, 20, 20),
        (e: unknown) => e instanceof ConfigurationError && e.field === field && e.message.includes(field),
        `expected a ConfigurationError on ${field}`,
      );
    }
    for (const arch of ['rnn', 'transformer'] as const)
      assert.throws(
        () => buildModel({ arch, copy: true, dModel: 8, heads: 2 }, 20, 21),
        (e: unknown) => e instanceof ConfigurationError && e.field === 'copy' && /one vocabulary/.test(e.message),
        `copying needs one vocabulary (${arch})`,
      );
    assert.throws(
      () => buildModel({}, 3, 20),
      (e: unknown) => e instanceof ConfigurationError && e.field === 'srcVocabSize',
    );
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    for (const [name, config] of Object.entries(TINY_VARIANTS)) {
      describe(`${name} on ${backend}`, () => {
        before(async () => {
          await selectBackend({ setting: backend });
          assert.strictEqual(tf.getBackend(), backend);
        });
        after(async () => {
          await selectBackend({ setting: 'wasm' });
        });
        it('step-wise decoding reproduces the teacher-forced log-probabilities and attention', () => {
          const model = buildModel({ ...config, dropout: 0.3 }, 14, config.copy ? 14 : 13, 5);
          const before = tf.memory().numTensors;
          const src = tf.tensor2d([SRC[0]!], undefined, 'int32');
          const mask = tf.ones([1, SRC[0]!.length]) as tf.Tensor2D;
          const tgt = tf.tensor2d([TGT_IN[0]!], undefined, 'int32');
          const out = model.forward(src, mask, tgt, false);
          if (config.copy) {
            // A copying model's logits are already log-probabilities.
            const worst = tf.tidy(() => tf.max(tf.abs(tf.logSumExp(out.logits, 2))).dataSync()[0]!);
            assert.ok(worst < 1e-4, `copying logits are normalised (|logsumexp| ${worst})`);
          }
          const lsm = tf.logSoftmax(out.logits);
          const full = lsm.arraySync()[0]!;
          const attention = out.attention?.arraySync()[0] ?? null;
          tf.dispose([tgt, out.logits, out.attention ?? [], lsm]);
          const source = model.encode(src, mask);
          let state = model.initialState(source);
          TGT_IN[0]!.forEach((tok, t) => {
            const prev = tf.tensor1d([tok], 'int32');
            const out = model.step(source, state, prev);
            const lp = out.logProbs.arraySync()[0]!;
            lp.forEach((x, v) =>
              assert.ok(Math.abs(x - full[t]![v]!) < 1e-4, `step ${t} token ${v}: ${x} vs ${full[t]![v]}`),
            );
            if (attention) {
              const a = out.attention!.arraySync()[0]!;
              a.forEach((x, s) => assert.ok(Math.abs(x - attention[t]![s]!) < 1e-4, `attention step ${t}`));
            } else assert.strictEqual(out.attention, null);
            if (config.arch === 'transformer') assert.deepStrictEqual(out.attentionByLayerHead!.shape, [2, 2, 1, 5]);
            if (config.arch === 'cnn') assert.deepStrictEqual(out.attentionByLayerHead!.shape, [2, 1, 1, 5]);
            if (config.copy) {
              // The copy part is part of the distribution: p_copy <= p for every token.
              const over = tf.tidy(() => tf.max(tf.sub(out.copyLogProbs!, out.logProbs)).dataSync()[0]!);
              assert.ok(over < 1e-4, `copy log-probabilities exceed the total by ${over}`);
            } else assert.strictEqual(out.copyLogProbs, undefined);
            tf.dispose([
              prev,
              out.logProbs,
              out.attention ?? [],
              out.attentionByLayerHead ?? [],
              out.copyLogProbs ?? [],
              out.hidden ?? [],
            ]);
            disposeDecodingTensors(state);
            state = out.state;
          });
          disposeDecodingTensors(state);
          disposeDecodingTensors(source);
          tf.dispose([src, mask]);
          assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks after inference');
          model.dispose();
        });

        it("targetLogProbs equals the full output's log-probabilities at the target tokens", () => {
          const tgtVocab = config.copy ? 14 : 13;
          const model = buildModel({ ...config, dropout: 0.3 }, 14, tgtVocab, 5);
          const src = tf.tensor2d(SRC, undefined, 'int32');
          const mask = tf.notEqual(src, 0).toFloat() as tf.Tensor2D;
          const tgtIn = tf.tensor2d(TGT_IN, undefined, 'int32');
          const tgtOut = tf.tensor2d(TGT_OUT, undefined, 'int32');
          const expected = tf.tidy(() =>
            tf.sum(tf.mul(tf.logSoftmax(model.logits(src, mask, tgtIn, false)), tf.oneHot(tgtOut, tgtVocab)), 2),
          );
          const before = tf.memory().numTensors;
          const got = model.targetLogProbs(src, mask, tgtIn, tgtOut);
          assert.strictEqual(tf.memory().numTensors, before + 1, 'only the result is left');
          assert.deepStrictEqual(got.shape, [2, 4]);
          const e = expected.arraySync() as number[][];
          got
            .arraySync()
            .forEach((row, i) =>
              row.forEach((x, t) =>
                assert.ok(Math.abs(x - e[i]![t]!) < 1e-4, `row ${i} step ${t}: ${x} vs ${e[i]![t]}`),
              ),
            );
          tf.dispose([src, mask, tgtIn, tgtOut, expected, got]);
          model.dispose();
        });

        it('trains one step without leaking, with dropout only in training', () => {
          const model = buildModel({ ...config, dropout: 0.5 }, 14, config.copy ? 14 : 13, 5);
          const src = tf.tensor2d(SRC, undefined, 'int32');
          const mask = tf.notEqual(src, 0).toFloat() as tf.Tensor2D;
          const tgtIn = tf.tensor2d(TGT_IN, undefined, 'int32');
          const tgtOut = tf.tensor2d(TGT_OUT, undefined, 'int32');
          const tgtMask = tf.notEqual(tgtOut, 0).toFloat() as tf.Tensor2D;
          const evalA = model.logits(src, mask, tgtIn, false);
          const evalB = model.logits(src, mask, tgtIn, false);
          const trainA = model.logits(src, mask, tgtIn, true);
          assert.ok(tf.max(tf.abs(tf.sub(evalA, evalB))).dataSync()[0]! === 0, 'inference is deterministic');
          assert.ok(tf.max(tf.abs(tf.sub(evalA, trainA))).dataSync()[0]! > 1e-4, 'dropout changes training outputs');
          tf.dispose([evalA, evalB, trainA]);
          tf.engine().startScope();
          const optimizer = tf.train.adam(0.01);
          const step = () =>
            optimizer.minimize(
              () => maskedCrossEntropy(model.logits(src, mask, tgtIn, true), tgtOut, tgtMask),
              true,
              model.variables as tf.Variable[],
            )!;
          step().dispose(); // creates the optimizer's slots
          const before = tf.memory().numTensors;
          const loss = step();
          loss.dispose();
          assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks after a training step');
          optimizer.dispose();
          tf.engine().endScope();
          const weightNames = model.weights.map((w) => w.name);
          assert.strictEqual(new Set(weightNames).size, weightNames.length, 'weight names are unique');
          tf.dispose([src, mask, tgtIn, tgtOut, tgtMask]);
          model.dispose();
        });
      });
    }
  }

  for (const backend of ['wasm', 'cpu'] as const)
    it(`the copy distribution equals the attention times the one-hot source, gradient included, on ${backend}`, async () => {
      await selectBackend({ setting: backend });
      try {
        const src = tf.tensor2d(
          [
            [4, 9, 9, 2],
            [5, 7, 11, 2],
          ],
          undefined,
          'int32',
        );
        const attention = tf.softmax(tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3)) as tf.Tensor3D;
        const oneHot = tf.cast(tf.oneHot(src, 13), 'float32') as tf.Tensor3D;
        const weights = tf.range(0, 13).reshape([1, 1, 13]);
        const viaProduct = (a: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor3D, oneHot), weights));
        const viaScatter = (a: tf.Tensor) => tf.sum(tf.mul(copyDistribution(a as tf.Tensor3D, src, 13), weights));
        const diff = (x: tf.Tensor, y: tf.Tensor) => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]!;
        // Token 9 appears twice in the first source: its mass is the sum of both positions.
        const copied = copyDistribution(attention, src, 13);
        assert.ok(diff(copied, tf.matMul(attention, oneHot)) < 1e-6);
        assert.ok(diff(tf.grad(viaProduct)(attention), tf.grad(viaScatter)(attention)) < 1e-5);
        tf.dispose([src, attention, oneHot, weights, copied]);
      } finally {
        await selectBackend({ setting: 'wasm' });
      }
    });

  it('the same seed gives the same weights; another seed differs', () => {
    const a = buildModel(TINY_VARIANTS['gru + luong-general']!, 14, 13, 1);
    const b = buildModel(TINY_VARIANTS['gru + luong-general']!, 14, 13, 1);
    const c = buildModel(TINY_VARIANTS['gru + luong-general']!, 14, 13, 2);
    assert.deepStrictEqual(a.weights[1]!.variable.arraySync(), b.weights[1]!.variable.arraySync());
    assert.notDeepStrictEqual(a.weights[1]!.variable.arraySync(), c.weights[1]!.variable.arraySync());
    [a, b, c].forEach((m) => m.dispose());
  });
});
