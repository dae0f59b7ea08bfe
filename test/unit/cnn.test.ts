/**
 * The convolutional encoder-decoder (cnn.ts): shapes and names, incremental decoding equal to the
 * teacher-forced pass at every position (a state of fixed size per layer), padding that changes
 * nothing, a causal decoder, the copy output, and learning: copy and reverse tasks trained to
 * >= 95 % exact match held out, greedy-decoded through the step interface.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { batchToTensors, disposeBatch, type Batch } from '../../src/core/batch';
import { ConfigurationError, resolveModelConfig, type ModelConfig } from '../../src/core/config';
import { SeededRandom } from '../../src/core/layers';
import { maskedCrossEntropy } from '../../src/core/loss';
import { buildModel, disposeDecodingTensors, type Seq2SeqModel } from '../../src/core/model';
import { beamSearch, greedyDecode } from '../../src/core/search';
import { BOS_ID, CODE2DOC_ID, EOS_ID, PAD_ID } from '../../src/core/specialTokens';

const V = 20;
const BASE: Partial<ModelConfig> = {
  arch: 'cnn',
  embeddingDim: 8,
  hiddenDim: 12,
  kernelWidth: 3,
  encoderLayers: 2,
  decoderLayers: 3,
  dropout: 0.2,
  maxSrcLen: 16,
  maxTgtLen: 10,
};

// Row 1 is padded on both sides; special tokens (4, 5, 2) in the sources.
const SRC = [
  [4, 9, 7, 9, 12, 2],
  [5, 10, 6, 2, 0, 0],
];
const TGT_IN = [
  [1, 9, 7, 13, 6],
  [1, 10, 11, 0, 0],
];
const TGT_OUT = [
  [9, 7, 13, 6, 2],
  [10, 11, 2, 0, 0],
];
const SRC_LEN = [6, 4];
const TGT_LEN = [5, 3];

function tensors(src: number[][], tgtIn: number[][]) {
  const s = tf.tensor2d(src, undefined, 'int32');
  return {
    src: s,
    mask: tf.tidy(() => tf.cast(tf.notEqual(s, 0), 'float32')) as tf.Tensor2D,
    tgtIn: tf.tensor2d(tgtIn, undefined, 'int32'),
  };
}

/** Teacher-forced log-probabilities `[b][T][V]` (no dropout). */
function teacherForced(model: Seq2SeqModel, src: number[][], tgtIn: number[][]): number[][][] {
  const t = tensors(src, tgtIn);
  const out = tf.tidy(() => tf.logSoftmax(model.logits(t.src, t.mask, t.tgtIn, false)).arraySync() as number[][][]);
  tf.dispose([t.src, t.mask, t.tgtIn]);
  return out;
}

function maxDiff(a: readonly number[], b: readonly number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
}

describe('convolutional encoder-decoder (cnn)', function () {
  this.timeout(600_000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('is configurable as arch cnn, and refuses what cannot work with a message naming the field', () => {
    const c = resolveModelConfig({ arch: 'cnn' }, 30, 30);
    assert.strictEqual(c.kernelWidth, 3);
    for (const [partial, field] of [
      [{ arch: 'cnn', kernelWidth: 1 }, 'kernelWidth'],
      [{ arch: 'cnn', kernelWidth: 2.5 }, 'kernelWidth'],
      [{ arch: 'cnn', hiddenDim: 0 }, 'hiddenDim'],
      [{ arch: 'cnn', embeddingDim: -1 }, 'embeddingDim'],
      [{ arch: 'cnn', copy: true }, 'copy'], // with two vocabularies
    ] as [Partial<ModelConfig>, string][]) {
      assert.throws(
        () => resolveModelConfig(partial, 30, partial.copy ? 31 : 30),
        (e: unknown) => e instanceof ConfigurationError && e.field === field,
        JSON.stringify(partial),
      );
    }
  });

  it('has the documented weights and output shapes', () => {
    const model = buildModel({ ...BASE, copy: true }, V, V, 1);
    try {
      const shapes = new Map(model.weights.map((w) => [w.name, w.variable.shape]));
      assert.deepStrictEqual(shapes.get('encoder/positions'), [16, 8]);
      assert.deepStrictEqual(shapes.get('decoder/positions'), [11, 8]);
      assert.deepStrictEqual(shapes.get('encoder/l1/conv/w'), [3 * 12, 24]);
      assert.deepStrictEqual(shapes.get('decoder/l2/attention/in/w'), [12, 8]);
      assert.deepStrictEqual(shapes.get('decoder/l2/attention/out/w'), [8, 12]);
      assert.deepStrictEqual(shapes.get('decoder/output/w'), [8, V]);
      assert.deepStrictEqual(shapes.get('decoder/copy/w'), [16, 1]);
      assert.strictEqual(model.weights[model.weights.length - 1]!.name, 'decoder/copy/b');
      const t = tensors(SRC, TGT_IN);
      const out = model.forward(t.src, t.mask, t.tgtIn, false);
      assert.deepStrictEqual(out.logits.shape, [2, 5, V]);
      assert.deepStrictEqual(out.attention!.shape, [2, 5, 6]);
      // Attention rows sum to 1 over the real source tokens only.
      const att = out.attention!.arraySync();
      for (let i = 0; i < 2; i++)
        for (const row of att[i]!) {
          assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5);
          for (let s = SRC_LEN[i]!; s < 6; s++) assert.strictEqual(row[s], 0);
        }
      const source = model.encode(t.src, t.mask);
      const state = model.initialState(source);
      assert.deepStrictEqual(
        state.parts.map((p) => p.shape),
        [
          [2, 2, 12],
          [2, 2, 12],
          [2, 2, 12],
        ],
      );
      const prev = tf.tensor1d([BOS_ID, BOS_ID], 'int32');
      const step = model.step(source, state, prev);
      assert.deepStrictEqual(step.logProbs.shape, [2, V]);
      assert.deepStrictEqual(step.attention!.shape, [2, 6]);
      assert.deepStrictEqual(step.attentionByLayerHead!.shape, [3, 1, 2, 6]);
      assert.deepStrictEqual(step.copyLogProbs!.shape, [2, V]);
      // The last layer's attention is what the step reports as its attention.
      const byLayer = step.attentionByLayerHead!.arraySync();
      assert.ok(maxDiff(byLayer[2]![0]!.flat(), step.attention!.arraySync().flat()) < 1e-7);
      tf.dispose([out.logits, out.attention!, prev, step.logProbs, step.attention!]);
      tf.dispose([step.attentionByLayerHead!, step.copyLogProbs!]);
      disposeDecodingTensors(step.state);
      disposeDecodingTensors(state);
      disposeDecodingTensors(source);
      tf.dispose([t.src, t.mask, t.tgtIn]);
    } finally {
      model.dispose();
    }
  });

  for (const [name, partial] of [
    ['k 3, 2 + 3 layers', BASE],
    ['k 4 (uneven padding), copy, tied output', { ...BASE, kernelWidth: 4, copy: true, tieEmbeddings: true }],
  ] as [string, Partial<ModelConfig>][]) {
    it(`incremental steps equal the teacher-forced pass at every position, on a padded batch (${name})`, () => {
      const model = buildModel(partial, V, V, 2);
      const before = tf.memory().numTensors;
      try {
        const full = teacherForced(model, SRC, TGT_IN);
        const t = tensors(SRC, TGT_IN);
        const source = model.encode(t.src, t.mask);
        let state = model.initialState(source);
        for (let pos = 0; pos < 5; pos++) {
          const prev = tf.tensor1d(
            TGT_IN.map((r) => r[pos]!),
            'int32',
          );
          const out = model.step(source, state, prev);
          // A fixed-size state: k - 1 inputs per layer, whatever the prefix length.
          for (const p of out.state.parts) assert.deepStrictEqual(p.shape, [2, model.config.kernelWidth - 1, 12]);
          const lp = out.logProbs.arraySync();
          for (let i = 0; i < 2; i++) {
            if (pos >= TGT_LEN[i]!) continue;
            const d = maxDiff(lp[i]!, full[i]![pos]!);
            assert.ok(d < 1e-5, `row ${i} position ${pos}: step differs from teacher forcing by ${d}`);
          }
          tf.dispose([prev, out.logProbs, out.attention!, out.attentionByLayerHead!, out.copyLogProbs ?? []]);
          disposeDecodingTensors(state);
          state = out.state;
        }
        disposeDecodingTensors(state);
        disposeDecodingTensors(source);
        tf.dispose([t.src, t.mask, t.tgtIn]);
        assert.strictEqual(tf.memory().numTensors, before, 'decoding leaks no tensors');
      } finally {
        model.dispose();
      }
    });
  }

  it('padding changes nothing: a padded row computes what it computes alone', () => {
    const model = buildModel({ ...BASE, copy: true }, V, V, 3);
    try {
      const batch = teacherForced(model, SRC, TGT_IN);
      const alone = teacherForced(model, [SRC[1]!.slice(0, SRC_LEN[1])], [TGT_IN[1]!.slice(0, TGT_LEN[1])]);
      for (let pos = 0; pos < TGT_LEN[1]!; pos++) {
        const d = maxDiff(batch[1]![pos]!, alone[0]![pos]!);
        assert.ok(d < 1e-5, `position ${pos} differs by ${d} with padding`);
      }
      // Other pad contents under the mask change nothing either (the mask, not the id, decides).
      const junk = SRC.map((r, i) => r.map((v, s) => (s >= SRC_LEN[i]! ? 0 : v)));
      const again = teacherForced(model, junk, TGT_IN);
      assert.ok(maxDiff(again[1]!.flat(), batch[1]!.flat()) < 1e-6);
    } finally {
      model.dispose();
    }
  });

  it('is causal: a later target token never changes an earlier output, and the source matters', () => {
    const model = buildModel(BASE, V, V, 4);
    try {
      const base = teacherForced(model, [SRC[0]!], [TGT_IN[0]!]);
      for (let t = 1; t < 5; t++) {
        const changed = TGT_IN[0]!.map((v, i) => (i === t ? 17 - (v % 5) : v));
        const out = teacherForced(model, [SRC[0]!], [changed]);
        for (let p = 0; p < t; p++) {
          assert.ok(maxDiff(out[0]![p]!, base[0]![p]!) < 1e-6, `changing position ${t} changed output ${p}`);
        }
        assert.ok(maxDiff(out[0]![t]!, base[0]![t]!) > 1e-4, `position ${t}'s own input reaches its output`);
      }
      const otherSource = teacherForced(model, [[4, 11, 15, 8, 16, 2]], [TGT_IN[0]!]);
      assert.ok(maxDiff(otherSource[0]![0]!, base[0]![0]!) > 1e-4, 'the first output depends on the source');
    } finally {
      model.dispose();
    }
  });

  it('trains (loss falls, gradients reach every weight) and beam search reports attention per layer', () => {
    const model = buildModel({ ...BASE, copy: true }, V, V, 5);
    const optimizer = tf.train.adam(0.01);
    try {
      const t = tensors(SRC, TGT_IN);
      const tgtOut = tf.tensor2d(TGT_OUT, undefined, 'int32');
      const tgtMask = tf.cast(tf.notEqual(tgtOut, 0), 'float32') as tf.Tensor2D;
      const loss = () => maskedCrossEntropy(model.logits(t.src, t.mask, t.tgtIn, true), tgtOut, tgtMask);
      const { grads } = tf.variableGrads(loss, model.variables as tf.Variable[]);
      for (const w of model.weights) {
        const g = grads[w.variable.name]!;
        assert.ok(tf.max(tf.abs(g)).dataSync()[0]! > 0, `${w.name} gets a gradient`);
      }
      tf.dispose(Object.values(grads));
      const first = tf.tidy(() => loss().dataSync()[0]!);
      for (let i = 0; i < 30; i++) optimizer.minimize(loss, false, model.variables as tf.Variable[]);
      const last = tf.tidy(() => loss().dataSync()[0]!);
      assert.ok(last < first * 0.5, `loss ${first} -> ${last}`);
      tf.dispose([t.src, t.mask, t.tgtIn, tgtOut, tgtMask]);

      const hyps = beamSearch(model, SRC[0]!, { beamSize: 3, nBest: 2, maxLength: 6 });
      assert.strictEqual(hyps.length, 2);
      const h = hyps[0]!;
      assert.strictEqual(h.attentionByLayerHead!.length, 3, 'one entry per decoder layer');
      assert.strictEqual(h.attentionByLayerHead![0]!.length, 1, 'one head per layer');
      assert.strictEqual(h.attention.length, h.tokenLogProbs.length);
      assert.strictEqual(h.copied!.length, h.tokenLogProbs.length);
      // Scoring the hypothesis teacher-forced gives the log-probability the search found.
      const tokens = [...h.tokens, EOS_ID];
      const scored = tf.tidy(() => {
        const r = tensors([SRC[0]!], [[BOS_ID, ...h.tokens]]);
        const out = tf.tensor2d([tokens], undefined, 'int32');
        return model.targetLogProbs(r.src, r.mask, r.tgtIn, out).arraySync()[0]!;
      });
      assert.ok(maxDiff(scored, h.tokenLogProbs) < 1e-4, 'targetLogProbs agrees with the search');
    } finally {
      optimizer.dispose();
      model.dispose();
    }
  });

  describe('learning (wasm backend)', () => {
    interface Pair {
      src: number[];
      tgt: number[];
    }
    const FIRST = 6;
    const SYMBOLS = 10;
    const VOCAB = FIRST + SYMBOLS;
    const sequence = (rng: SeededRandom): number[] =>
      Array.from({ length: 3 + Math.floor(rng.next() * 5) }, () => FIRST + Math.floor(rng.next() * SYMBOLS));
    const toBatch = (pairs: readonly Pair[]): Batch => {
      const S = Math.max(...pairs.map((p) => p.src.length)) + 2;
      const T = Math.max(...pairs.map((p) => p.tgt.length)) + 1;
      const pad = (r: number[], n: number) => [...r, ...new Array<number>(n - r.length).fill(PAD_ID)];
      return {
        src: pairs.map((p) => pad([CODE2DOC_ID, ...p.src, EOS_ID], S)),
        tgtIn: pairs.map((p) => pad([BOS_ID, ...p.tgt], T)),
        tgtOut: pairs.map((p) => pad([...p.tgt, EOS_ID], T)),
      };
    };
    const CONFIG: Partial<ModelConfig> = {
      arch: 'cnn',
      embeddingDim: 32,
      hiddenDim: 64,
      kernelWidth: 3,
      encoderLayers: 2,
      decoderLayers: 2,
      dropout: 0,
      maxSrcLen: 16,
      maxTgtLen: 12,
    };

    function learn(task: (seq: number[]) => number[], maxSteps: number): { steps: number; exact: number } {
      const rng = new SeededRandom(7);
      const make = (r: SeededRandom) => {
        const seq = sequence(r);
        return { src: seq, tgt: task(seq) };
      };
      const heldRng = new SeededRandom(99);
      const heldOut = Array.from({ length: 100 }, () => make(heldRng));
      const heldKeys = new Set(heldOut.map((p) => p.src.join(',')));
      const model = buildModel(CONFIG, VOCAB, VOCAB, 3);
      const optimizer = tf.train.adam(0.002);
      let steps = 0;
      try {
        const check = batchToTensors(toBatch(heldOut));
        while (steps < maxSteps) {
          const pairs = Array.from({ length: 32 }, () => make(rng)).filter((p) => !heldKeys.has(p.src.join(',')));
          const t = batchToTensors(toBatch(pairs));
          optimizer.minimize(
            () => maskedCrossEntropy(model.logits(t.src, t.srcMask, t.tgtIn, true), t.tgtOut, t.tgtMask),
            false,
            model.variables as tf.Variable[],
          );
          disposeBatch(t);
          steps++;
          if (steps % 25 === 0) {
            const exactTf = tf.tidy(() => {
              const pred = tf.argMax(model.logits(check.src, check.srcMask, check.tgtIn, false), 2);
              const wrong = tf.mul(tf.notEqual(pred, check.tgtOut).toFloat(), check.tgtMask);
              return tf.equal(tf.sum(wrong, 1), 0).toFloat().mean().dataSync()[0]!;
            });
            if (process.env.LEARN_VERBOSE) console.log(`        step ${steps}: teacher-forced exact ${exactTf}`);
            if (exactTf >= 0.99) break;
          }
        }
        disposeBatch(check);
        let exact = 0;
        for (const p of heldOut) {
          const h = greedyDecode(model, [CODE2DOC_ID, ...p.src, EOS_ID], { maxLength: p.tgt.length + 3 });
          if (h.tokens.join(',') === p.tgt.join(',')) exact++;
        }
        return { steps, exact: exact / heldOut.length };
      } finally {
        optimizer.dispose();
        model.dispose();
      }
    }

    for (const [name, task] of [
      ['copy', (s: number[]) => [...s]],
      ['reversal', (s: number[]) => [...s].reverse()],
    ] as [string, (s: number[]) => number[]][]) {
      it(`learns ${name} (>= 95% exact match held out, greedy decoding)`, () => {
        const start = Date.now();
        const r = learn(task, 600);
        console.log(
          `      cnn / ${name}: ${r.steps} steps, ${(r.exact * 100).toFixed(0)}% exact, ${((Date.now() - start) / 1000).toFixed(1)} s`,
        );
        assert.ok(r.exact >= 0.95, `only ${(r.exact * 100).toFixed(1)}% exact after ${r.steps} steps`);
      });
    }
  });
});
