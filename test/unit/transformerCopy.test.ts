/**
 * The Transformer's copy (pointer-generator) output: its weights come last, its mixture is the
 * recurrent decoder's (gate on the final normed output and the step's input embedding, copy
 * attention = the last layer's head-mean cross-attention, special tokens never copied),
 * incremental decoding agrees with the teacher-forced pass on a padded batch, padding does not
 * change a row's output, and nothing leaks.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import type { ModelConfig } from '../../src/core/config';
import { maskedCrossEntropy } from '../../src/core/loss';
import { buildModel, disposeDecodingTensors, type Seq2SeqModel } from '../../src/core/model';
import { SPECIAL_TOKENS } from '../../src/core/specialTokens';
import { sinusoidalPositions } from '../../src/core/transformer';

const V = 16;
const D = 8;
const CONFIG: Partial<ModelConfig> = {
  arch: 'transformer',
  dModel: D,
  heads: 2,
  ffDim: 16,
  encoderLayers: 2,
  decoderLayers: 2,
  dropout: 0.2,
  copy: true,
};

// Row 1 is padded on both sides; token 9 appears twice in row 0, special tokens (4, 5, 2) too.
const SRC = [
  [4, 9, 7, 9, 12, 2],
  [5, 10, 6, 2, 0, 0],
];
const TGT_IN = [
  [1, 9, 7, 13, 6],
  [1, 10, 0, 0, 0],
];
const TGT_OUT = [
  [9, 7, 13, 6, 2],
  [10, 2, 0, 0, 0],
];
const SRC_LEN = [6, 4];
const TGT_LEN = [5, 2];

function tensors(rows: number[] = [0, 1]) {
  const src = tf.tensor2d(
    rows.map((i) => SRC[i]!),
    undefined,
    'int32',
  );
  return {
    src,
    mask: tf.cast(tf.notEqual(src, 0), 'float32') as tf.Tensor2D,
    tgtIn: tf.tensor2d(
      rows.map((i) => TGT_IN[i]!),
      undefined,
      'int32',
    ),
    tgtOut: tf.tensor2d(
      rows.map((i) => TGT_OUT[i]!),
      undefined,
      'int32',
    ),
  };
}

const weight = (m: Seq2SeqModel, name: string): tf.Variable => m.weights.find((w) => w.name === name)!.variable;

function maxDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
}

describe('Transformer copy mechanism', function () {
  this.timeout(60_000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('registers decoder/copy/w [2d, 1] and decoder/copy/b [1] = 0 last, after decoder/output/b', () => {
    for (const tied of [false, true]) {
      const m = buildModel({ ...CONFIG, tieEmbeddings: tied }, V, V, 3);
      const plain = buildModel({ ...CONFIG, tieEmbeddings: tied, copy: false }, V, V, 3);
      const names = m.weights.map((w) => w.name);
      assert.deepStrictEqual(names.slice(-3), ['decoder/output/b', 'decoder/copy/w', 'decoder/copy/b']);
      assert.deepStrictEqual(weight(m, 'decoder/copy/w').shape, [2 * D, 1]);
      assert.deepStrictEqual(weight(m, 'decoder/copy/b').arraySync(), [0]);
      const limit = Math.sqrt(6 / (2 * D + 1));
      assert.ok((weight(m, 'decoder/copy/w').arraySync() as number[][]).every(([x]) => Math.abs(x!) <= limit));
      // The copy weights come last, so every other weight is the plain model's.
      assert.deepStrictEqual(
        names.slice(0, -2),
        plain.weights.map((w) => w.name),
      );
      plain.weights.forEach((w, i) =>
        assert.deepStrictEqual(w.variable.arraySync(), m.weights[i]!.variable.arraySync(), w.name),
      );
      m.dispose();
      plain.dispose();
    }
  });

  for (const backend of ['wasm', 'cpu'] as const) {
    describe(`on ${backend}`, () => {
      before(async () => {
        await selectBackend({ setting: backend });
        assert.strictEqual(tf.getBackend(), backend);
      });
      after(async () => {
        await selectBackend({ setting: 'wasm' });
      });

      it("mixes the plain Transformer's softmax with its head-mean attention scattered onto the source ids", () => {
        const plain = buildModel({ ...CONFIG, copy: false }, V, V, 7);
        const m = buildModel(CONFIG, V, V, 7);
        // A gate that reads only the input embedding (second half of [out; x]), so the test can
        // compute it: x_t = embedding * sqrt(d) + position.
        const wg = tf.tensor2d(
          Array.from({ length: 2 * D }, (_, i) => [i < D ? 0 : Math.sin(3 * i) * 0.8]),
          [2 * D, 1],
        );
        weight(m, 'decoder/copy/w').assign(wg);
        tf.tidy(() => weight(m, 'decoder/copy/b').assign(tf.tensor1d([0.3])));
        const t = tensors();
        const expected = tf.tidy(() => {
          const [b, T] = t.tgtIn.shape;
          const x = tf.add(
            tf.mul(tf.gather(weight(m, 'decoder/embedding'), t.tgtIn), Math.sqrt(D)),
            tf.slice(sinusoidalPositions(T, D), [0, 0], [T, -1]),
          );
          const gate = tf.sigmoid(tf.add(tf.matMul(tf.reshape(x, [b * T, D]), tf.slice(wg, [D, 0], [D, 1])), 0.3));
          const g = tf.reshape(gate, [b, T, 1]);
          const out = plain.forward(t.src, t.mask, t.tgtIn, false);
          const words = tf.reshape(tf.cast(tf.greaterEqual(t.src, SPECIAL_TOKENS.length), 'float32'), [b, 1, -1]);
          const wordAttention = tf.mul(out.attention!, words) as tf.Tensor3D;
          const copyShare = tf.mul(tf.sub(1, g), tf.sum(wordAttention, 2, true));
          const copied = tf.mul(tf.sub(1, g), tf.matMul(wordAttention, tf.oneHot(t.src, V).toFloat() as tf.Tensor3D));
          const p = tf.add(tf.mul(tf.sub(1, copyShare), tf.softmax(out.logits)), copied);
          return {
            logProbs: tf.log(tf.add(p, 1e-18)).arraySync() as number[][][],
            copyLogProbs: tf.log(tf.add(copied, 1e-18)).arraySync() as number[][][],
            attention: out.attention!.arraySync(),
          };
        });
        const got = m.forward(t.src, t.mask, t.tgtIn, false);
        const logits = got.logits.arraySync();
        assert.deepStrictEqual(got.attention!.arraySync().length, 2);
        for (let i = 0; i < 2; i++)
          for (let s = 0; s < 5; s++) {
            const e = expected.logProbs[i]![s]!;
            assert.ok(maxDiff(logits[i]![s]!, e) < 1e-4, `row ${i} step ${s}`);
            assert.ok(maxDiff(got.attention!.arraySync()[i]![s]!, expected.attention[i]![s]!) < 1e-5);
            assert.ok(Math.abs(Math.log(e.reduce((a, x) => a + Math.exp(x), 0))) < 1e-4, 'a distribution');
          }
        // Decoding reports the copy part: log((1 - gate) * copied + floor).
        const source = m.encode(t.src, t.mask);
        let state = m.initialState(source);
        for (let s = 0; s < 5; s++) {
          const prev = tf.tensor1d(
            TGT_IN.map((r) => r[s]!),
            'int32',
          );
          const out = m.step(source, state, prev);
          const copyLp = out.copyLogProbs!.arraySync();
          for (let i = 0; i < 2; i++) {
            assert.ok(maxDiff(copyLp[i]!, expected.copyLogProbs[i]![s]!) < 1e-3, `copy part row ${i} step ${s}`);
            // Nothing is copied onto a token the source does not hold, or onto a special token.
            for (let v = 0; v < V; v++)
              if (v < SPECIAL_TOKENS.length || !SRC[i]!.includes(v)) assert.ok(copyLp[i]![v]! < -41, `${v}`);
          }
          tf.dispose([prev, out.logProbs, out.attention!, out.attentionByLayerHead!, out.copyLogProbs!, out.hidden!]);
          disposeDecodingTensors(state);
          state = out.state;
        }
        disposeDecodingTensors(state);
        disposeDecodingTensors(source);
        tf.dispose([wg, got.logits, got.attention!, t.src, t.mask, t.tgtIn, t.tgtOut]);
        plain.dispose();
        m.dispose();
      });

      it('incremental decoding of a padded batch gives the teacher-forced log-probabilities, leaking nothing', () => {
        const m = buildModel(CONFIG, V, V, 5);
        const t = tensors();
        const before = tf.memory().numTensors;
        const out = m.forward(t.src, t.mask, t.tgtIn, false);
        const full = tf.tidy(() => tf.logSoftmax(out.logits).arraySync());
        const attention = out.attention!.arraySync();
        tf.dispose([out.logits, out.attention!]);
        const source = m.encode(t.src, t.mask);
        let state = m.initialState(source);
        for (let s = 0; s < 5; s++) {
          const prev = tf.tensor1d(
            TGT_IN.map((r) => r[s]!),
            'int32',
          );
          const step = m.step(source, state, prev);
          const lp = step.logProbs.arraySync();
          const att = step.attention!.arraySync();
          for (let i = 0; i < 2; i++) {
            assert.ok(maxDiff(lp[i]!, full[i]![s]!) < 1e-4, `row ${i} step ${s}`);
            assert.ok(maxDiff(att[i]!, attention[i]![s]!) < 1e-5, `attention row ${i} step ${s}`);
          }
          const over = tf.tidy(() => tf.max(tf.sub(step.copyLogProbs!, step.logProbs)).dataSync()[0]!);
          assert.ok(over < 1e-4, `the copy part exceeds the whole by ${over}`);
          tf.dispose([
            prev,
            step.logProbs,
            step.attention!,
            step.attentionByLayerHead!,
            step.copyLogProbs!,
            step.hidden!,
          ]);
          disposeDecodingTensors(state);
          state = step.state;
        }
        disposeDecodingTensors(state);
        disposeDecodingTensors(source);
        const scored = m.targetLogProbs(t.src, t.mask, t.tgtIn, t.tgtOut);
        const s = scored.arraySync();
        scored.dispose();
        for (let i = 0; i < 2; i++)
          for (let j = 0; j < 5; j++)
            assert.ok(Math.abs(s[i]![j]! - full[i]![j]![TGT_OUT[i]![j]!]!) < 1e-4, `targetLogProbs ${i} ${j}`);
        assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks after inference');
        tf.dispose([t.src, t.mask, t.tgtIn, t.tgtOut]);
        m.dispose();
      });

      it("padding does not change a row's output", () => {
        const m = buildModel(CONFIG, V, V, 9);
        const t = tensors();
        const batched = tf.tidy(() => m.logits(t.src, t.mask, t.tgtIn, false).arraySync());
        const scored = tf.tidy(() => m.targetLogProbs(t.src, t.mask, t.tgtIn, t.tgtOut).arraySync());
        for (let i = 0; i < 2; i++) {
          const [S, T] = [SRC_LEN[i]!, TGT_LEN[i]!];
          const alone = tf.tidy(() => {
            const src = tf.tensor2d([SRC[i]!.slice(0, S)], undefined, 'int32');
            const mask = tf.ones([1, S]) as tf.Tensor2D;
            const tgtIn = tf.tensor2d([TGT_IN[i]!.slice(0, T)], undefined, 'int32');
            const tgtOut = tf.tensor2d([TGT_OUT[i]!.slice(0, T)], undefined, 'int32');
            return {
              logits: m.logits(src, mask, tgtIn, false).arraySync()[0]!,
              scored: m.targetLogProbs(src, mask, tgtIn, tgtOut).arraySync()[0]!,
            };
          });
          for (let s = 0; s < T; s++) {
            assert.ok(maxDiff(alone.logits[s]!, batched[i]![s]!) < 1e-4, `row ${i} step ${s}`);
            assert.ok(Math.abs(alone.scored[s]! - scored[i]![s]!) < 1e-4, `targetLogProbs row ${i} step ${s}`);
          }
        }
        tf.dispose([t.src, t.mask, t.tgtIn, t.tgtOut]);
        m.dispose();
      });

      it('trains the copy gate in a training step without leaking', () => {
        const m = buildModel(CONFIG, V, V, 11);
        const t = tensors();
        const tgtMask = tf.cast(tf.notEqual(t.tgtOut, 0), 'float32') as tf.Tensor2D;
        const gate = weight(m, 'decoder/copy/w');
        const initial = gate.arraySync() as number[][];
        tf.engine().startScope();
        const optimizer = tf.train.adam(0.01);
        const step = () =>
          optimizer.minimize(
            () => maskedCrossEntropy(m.logits(t.src, t.mask, t.tgtIn, true), t.tgtOut, tgtMask),
            true,
            m.variables as tf.Variable[],
          )!;
        step().dispose(); // creates the optimizer's slots
        const before = tf.memory().numTensors;
        const loss = step();
        assert.ok(Number.isFinite(loss.dataSync()[0]!));
        loss.dispose();
        assert.strictEqual(tf.memory().numTensors, before, 'no tensor leaks after a training step');
        optimizer.dispose();
        tf.engine().endScope();
        const moved = maxDiff(
          (gate.arraySync() as number[][]).map(([x]) => x!),
          initial.map(([x]) => x!),
        );
        assert.ok(moved > 1e-3, `the copy gate weights moved by ${moved}`);
        tf.dispose([t.src, t.mask, t.tgtIn, t.tgtOut, tgtMask]);
        m.dispose();
      });
    });
  }
});
