/**
 * Initialisation schemes (`model.init`): each gives the statistics it promises — bounds, mean
 * and standard deviation of every matrix and embedding, orthogonal recurrent blocks
 * (W·Wᵀ = I), GPT-2's scaled residual outputs — the default is the scheme every earlier model
 * used, the choice is validated and recorded in the model folder.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { loadModel, saveModel } from '../../src/modelFolder/checkpoint';
import { ConfigurationError, type ModelConfig } from '../../src/core/config';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';

const V = 300;
const rnn: Partial<ModelConfig> = { arch: 'rnn', cell: 'gru', embeddingDim: 48, hiddenDim: 64, encoderLayers: 2 };
const lstm: Partial<ModelConfig> = { ...rnn, cell: 'lstm', bidirectional: false };
const transformer: Partial<ModelConfig> = {
  arch: 'transformer',
  dModel: 64,
  heads: 4,
  ffDim: 128,
  encoderLayers: 2,
  decoderLayers: 2,
};

function values(model: Seq2SeqModel, name: string): Float32Array {
  const w = model.weights.find((x) => x.name === name);
  assert.ok(w, `weight ${name} exists (have ${model.weights.map((x) => x.name).join(', ')})`);
  return w.variable.dataSync() as Float32Array;
}

function stats(v: Float32Array): { mean: number; std: number; maxAbs: number } {
  let sum = 0;
  let maxAbs = 0;
  for (const x of v) {
    sum += x;
    maxAbs = Math.max(maxAbs, Math.abs(x));
  }
  const mean = sum / v.length;
  let sq = 0;
  for (const x of v) sq += (x - mean) * (x - mean);
  return { mean, std: Math.sqrt(sq / v.length), maxAbs };
}

/** The matrices (rank 2) and the biases / norms (rank 1) of a model, by name. */
function byRank(model: Seq2SeqModel, rank: number): string[] {
  return model.weights.filter((w) => w.variable.rank === rank).map((w) => w.name);
}

function withModel(config: Partial<ModelConfig>, body: (m: Seq2SeqModel) => void): void {
  const m = buildModel(config, V, V, 7);
  try {
    body(m);
  } finally {
    m.dispose();
  }
}

/** A std within 5 % of `want` (the tables hold thousands of values, so sampling error is ~1 %). */
function assertStd(actual: number, want: number, what: string): void {
  assert.ok(Math.abs(actual / want - 1) < 0.05, `${what}: std ${actual} should be ${want}`);
}

describe('initialisation schemes (model.init)', () => {
  before(async () => {
    await selectBackend({ setting: 'wasm' });
  });

  it('defaults to glorot-uniform, which is bit for bit what models used before the option', () => {
    const a = buildModel(rnn, V, V, 7);
    const b = buildModel({ ...rnn, init: 'glorot-uniform' }, V, V, 7);
    try {
      assert.strictEqual(a.config.init, 'glorot-uniform');
      for (let i = 0; i < a.weights.length; i++)
        assert.deepStrictEqual(a.weights[i]!.variable.dataSync(), b.weights[i]!.variable.dataSync());
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('glorot-uniform: every matrix U(±sqrt(6 / (fanIn + fanOut))), rnn embeddings U(±0.1), Transformer embeddings N(0, d^-0.5)', () => {
    for (const config of [rnn, transformer]) {
      withModel(config, (m) => {
        for (const name of byRank(m, 2)) {
          const v = values(m, name);
          const [fanIn, fanOut] = m.weights.find((w) => w.name === name)!.variable.shape as [number, number];
          const s = stats(v);
          if (name.endsWith('/embedding')) {
            if (m.config.arch === 'rnn') {
              assert.ok(s.maxAbs <= 0.1, name);
              assertStd(s.std, 0.1 / Math.sqrt(3), name);
            } else assertStd(s.std, Math.pow(64, -0.5), name);
            continue;
          }
          const limit = Math.sqrt(6 / (fanIn + fanOut));
          assert.ok(s.maxAbs <= limit + 1e-7, `${name}: ${s.maxAbs} within ±${limit}`);
          if (v.length >= 2000) {
            assertStd(s.std, limit / Math.sqrt(3), name);
            assert.ok(Math.abs(s.mean) < 0.05 * limit, `${name}: mean ${s.mean}`);
          }
        }
      });
    }
  });

  it('orthogonal: each gate block of every recurrent state matrix has W·Wᵀ = I; the rest stays glorot-uniform', () => {
    for (const [config, gates] of [
      [rnn, 3],
      [lstm, 4],
    ] as const) {
      withModel({ ...config, init: 'orthogonal' }, (m) => {
        const H = m.config.hiddenDim;
        const recurrent = byRank(m, 2).filter((n) => n.endsWith('/wh') && !n.startsWith('bridge'));
        assert.ok(recurrent.length >= 3, `recurrent matrices found: ${recurrent.join(', ')}`);
        for (const name of recurrent) {
          const w = tf.tensor2d(values(m, name), [H, gates * H]);
          for (let g = 0; g < gates; g++) {
            const block = tf.slice(w, [0, g * H], [H, H]);
            const gram = tf.matMul(block, block, false, true);
            const deviation = tf.max(tf.abs(tf.sub(gram, tf.eye(H)))).dataSync()[0]!;
            assert.ok(deviation < 1e-5, `${name} gate ${g}: max |W·Wᵀ - I| = ${deviation}`);
            tf.dispose([block, gram]);
          }
          w.dispose();
        }
        // The input projections are still Glorot uniform.
        const wx = values(m, 'encoder/l0/fw/wx');
        const limit = Math.sqrt(6 / (48 + gates * H));
        assert.ok(stats(wx).maxAbs <= limit + 1e-7);
        assertStd(stats(wx).std, limit / Math.sqrt(3), 'encoder/l0/fw/wx');
      });
    }
  });

  it('uniform-0.1: every matrix and embedding within ±0.1 with the uniform std 0.1/sqrt(3); biases 0, LSTM forget bias 1', () => {
    const cnn: Partial<ModelConfig> = {
      arch: 'cnn',
      embeddingDim: 32,
      hiddenDim: 64,
      encoderLayers: 2,
      decoderLayers: 2,
    };
    for (const config of [lstm, transformer, cnn]) {
      withModel({ ...config, init: 'uniform-0.1' }, (m) => {
        for (const name of byRank(m, 2)) {
          const v = values(m, name);
          const s = stats(v);
          assert.ok(s.maxAbs <= 0.1 + 1e-7, `${name}: ${s.maxAbs}`);
          if (v.length >= 2000) {
            assertStd(s.std, 0.1 / Math.sqrt(3), name);
            assert.ok(Math.abs(s.mean) < 0.005, `${name}: mean ${s.mean}`);
          }
        }
        if (m.config.arch === 'rnn') {
          const bx = values(m, 'encoder/l0/fw/bx');
          const H = m.config.hiddenDim;
          assert.ok(
            bx.every((x, i) => x === (i >= H && i < 2 * H ? 1 : 0)),
            'LSTM biases: forget gate 1, others 0',
          );
        }
      });
    }
  });

  it('scaled-normal: matrices and embeddings N(0, 0.02); residual outputs 0.02 / sqrt(2 layers); norms 1 and 0', () => {
    withModel({ ...transformer, init: 'scaled-normal' }, (m) => {
      const residual = /\/(self\/wo|ff\/w2|cross\/wo)$/;
      let checked = 0;
      for (const name of byRank(m, 2)) {
        const v = values(m, name);
        if (v.length < 2000) continue;
        const want = residual.test(name) ? 0.02 / Math.sqrt(2 * 2) : 0.02;
        const s = stats(v);
        assertStd(s.std, want, name);
        assert.ok(Math.abs(s.mean) < 0.1 * want, `${name}: mean ${s.mean}`);
        assert.ok(s.maxAbs < 6 * want, `${name}: no value beyond 6 std (${s.maxAbs})`);
        checked++;
      }
      assert.ok(checked >= 10);
      for (const name of byRank(m, 1)) {
        const v = values(m, name);
        const want = name.endsWith('/g') ? 1 : 0;
        assert.ok(
          v.every((x) => x === want),
          `${name} starts at ${want}`,
        );
      }
    });
  });

  it('refuses an unknown scheme and orthogonal for a model without recurrent matrices, naming the field', () => {
    for (const config of [{ init: 'xavier' }, { ...transformer, init: 'orthogonal' }] as Partial<ModelConfig>[]) {
      assert.throws(
        () => buildModel(config, V, V),
        (e: unknown) => e instanceof ConfigurationError && e.field === 'init' && /glorot-uniform/.test(e.message),
      );
    }
  });

  it('is recorded in the model folder and read back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-init-'));
    const m = buildModel({ ...rnn, init: 'orthogonal' }, V, V, 1);
    try {
      await saveModel(m, dir, {});
      const saved = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { config: ModelConfig };
      assert.strictEqual(saved.config.init, 'orthogonal');
      const loaded = await loadModel(dir);
      assert.strictEqual(loaded.model.config.init, 'orthogonal');
      loaded.model.dispose();
    } finally {
      m.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
