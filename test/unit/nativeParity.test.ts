/**
 * The two engines are one model: for every architecture the native recipe can use, the same
 * weights and batch give the same logits and loss in PyTorch (native/) as here (within 1e-4,
 * padding, masks and the copy output included), and one optimizer step from the same state gives
 * the same weights (within 1e-5, dropout off). A model trained natively and converted learns a
 * copy task, and decodes token for token as the native engine decodes it (greedy and beam).
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { loadModel } from '../../src/modelFolder/checkpoint';
import { batchToTensors, disposeBatch, type Batch } from '../../src/core/batch';
import { resolveModelConfig, type ModelConfig } from '../../src/core/config';
import { modelFromInterchange, writeInterchange } from '../../src/modelFolder/interchange';
import { SeededRandom } from '../../src/core/layers';
import { maskedCrossEntropy } from '../../src/core/loss';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { beamSearch, greedyDecode } from '../../src/core/search';
import { BOS_ID, CODE2DOC_ID, DOC2CODE_ID, EOS_ID, PAD_ID, UNK_ID } from '../../src/core/specialTokens';
import type { Example } from '../../src/mining/dataset';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import { encodeExamples } from '../../src/training/examplesCache';
import { handOffFiles } from '../../src/training/nativeEngine';
import { Trainer } from '../../src/training/trainer';
import type { TrainerOptions } from '../../src/training/trainingDefaults';
import { nativeEngineOrSkip, readJson, runNativeSync } from './helpers/nativeEngine';

const VOCAB = 40;
const SMALL = { maxSrcLen: 16, maxTgtLen: 12, dropout: 0 };
const RNN = { ...SMALL, arch: 'rnn', embeddingDim: 12, hiddenDim: 16 } as const;
const TRANSFORMER = { ...SMALL, arch: 'transformer', dModel: 16, heads: 2, ffDim: 24 } as const;
const CNN = { ...SMALL, arch: 'cnn', embeddingDim: 12, hiddenDim: 16 } as const;

/** Every variant the native recipe can use, and the other recurrent paths. */
const VARIANTS: Record<string, Partial<ModelConfig>> = {
  'GRU + copy (the shipped shape)': {
    ...RNN,
    cell: 'gru',
    attention: 'luong-general',
    bidirectional: true,
    copy: true,
  },
  'GRU without copy, 2 + 2 layers': {
    ...RNN,
    cell: 'gru',
    attention: 'luong-general',
    encoderLayers: 2,
    decoderLayers: 2,
  },
  'LSTM + Bahdanau, unidirectional': { ...RNN, cell: 'lstm', attention: 'bahdanau', bidirectional: false },
  'GRU, no attention, tied output': {
    ...RNN,
    cell: 'gru',
    attention: 'none',
    embeddingDim: 16,
    tieEmbeddings: true,
  },
  'Transformer + copy': { ...TRANSFORMER, encoderLayers: 2, decoderLayers: 2, copy: true },
  'Transformer without copy, tied output': { ...TRANSFORMER, encoderLayers: 1, decoderLayers: 2, tieEmbeddings: true },
  'CNN + copy, 2 + 2 layers': { ...CNN, encoderLayers: 2, decoderLayers: 2, copy: true },
  'CNN without copy, kernel 4, tied output': { ...CNN, kernelWidth: 4, decoderLayers: 3, tieEmbeddings: true },
};

/** Rows of different lengths (right padding), special tokens inside the source (never copied). */
const BATCH: Batch = {
  src: [
    [CODE2DOC_ID, 9, 10, 11, 9, 12, 13, EOS_ID],
    [DOC2CODE_ID, 20, UNK_ID, 21, EOS_ID, PAD_ID, PAD_ID, PAD_ID],
    [CODE2DOC_ID, 30, EOS_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID, PAD_ID],
  ],
  tgtIn: [
    [BOS_ID, 9, 12, 14, 15],
    [BOS_ID, 21, 22, PAD_ID, PAD_ID],
    [BOS_ID, 30, 31, 32, PAD_ID],
  ],
  tgtOut: [
    [9, 12, 14, 15, EOS_ID],
    [21, 22, EOS_ID, PAD_ID, PAD_ID],
    [30, 31, 32, EOS_ID, PAD_ID],
  ],
};

function tsForward(model: Seq2SeqModel, batch: Batch, labelSmoothing: number): { logits: Float32Array; loss: number } {
  const t = batchToTensors(batch);
  try {
    return tf.tidy(() => {
      const logits = model.logits(t.src, t.srcMask, t.tgtIn, false);
      const loss = maskedCrossEntropy(logits, t.tgtOut, t.tgtMask, labelSmoothing).dataSync()[0]!;
      return { logits: logits.dataSync() as Float32Array, loss };
    });
  } finally {
    disposeBatch(t);
  }
}

/** Largest |a - b| over positions where the target is real (padding rows are free to differ). */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.strictEqual(a.length, b.length, 'same number of values');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** TS logits at real target positions only, flattened as [b, T, V]; padded steps zeroed on both sides. */
function maskPadded(values: ArrayLike<number>, batch: Batch): number[] {
  const T = batch.tgtOut[0]!.length;
  const V = values.length / (batch.tgtOut.length * T);
  return Array.from(values, (v, i) => {
    const row = Math.floor(i / (T * V));
    const t = Math.floor(i / V) % T;
    return batch.tgtOut[row]![t] === PAD_ID ? 0 : v;
  });
}

describe('native engine parity (PyTorch twin)', function () {
  this.timeout(600_000);
  let dir: string;
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-native-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, partial] of Object.entries(VARIANTS)) {
    it(`${name}: same logits and loss from the same weights and batch (1e-4)`, async function () {
      const engine = nativeEngineOrSkip(this);
      const model = buildModel(partial, VOCAB, VOCAB, 7);
      try {
        const weights = path.join(dir, 'forward.safetensors');
        await writeInterchange(weights, model);
        const batchFile = path.join(dir, 'batch.json');
        fs.writeFileSync(batchFile, JSON.stringify(BATCH));
        const out = path.join(dir, 'forward.json');
        runNativeSync(engine, [
          'forward',
          '--weights',
          weights,
          '--batch',
          batchFile,
          '--out',
          out,
          '--label-smoothing',
          '0.1',
        ]);
        const native = readJson<{ logits: number[]; shape: number[]; loss: number }>(out);
        const ts = tsForward(model, BATCH, 0.1);
        assert.deepStrictEqual(native.shape, [3, 5, VOCAB]);
        const d = maxDiff(maskPadded(ts.logits, BATCH), maskPadded(native.logits, BATCH));
        assert.ok(d < 1e-4, `logits differ by ${d}`);
        assert.ok(Math.abs(ts.loss - native.loss) < 1e-4, `loss ${ts.loss} here, ${native.loss} natively`);
        assert.ok(ts.loss > 1, 'an untrained model has a real loss to compare');
      } finally {
        model.dispose();
      }
    });
  }

  for (const name of ['GRU + copy (the shipped shape)', 'Transformer + copy', 'CNN + copy, 2 + 2 layers']) {
    it(`${name}: one optimizer step (Adam, noam warm-up, weight decay, clipping) gives the same weights (1e-5)`, async function () {
      const engine = nativeEngineOrSkip(this);
      const model = buildModel(VARIANTS[name]!, VOCAB, VOCAB, 3);
      try {
        const before = path.join(dir, 'before.safetensors');
        await writeInterchange(before, model);
        // Adam's first step is lr * g / (|g| + eps): a gradient that is zero in exact arithmetic (the
        // Transformer's key bias: softmax ignores a shift shared by every score) is rounding noise
        // of about 1e-10 on either engine, which eps 1e-9 would blow up to a step of ±lr. The
        // comparison is of the engines, not of that noise, so eps is 1e-4 here (a real gradient's step is still about ±lr).
        const training = {
          optimizer: { name: 'adam', learningRate: 0.02, epsilon: 1e-4 },
          schedule: { kind: 'noam', warmupSteps: 4 },
          clipNorm: 0.5,
          weightDecay: 0.001,
          labelSmoothing: 0.1,
        } as const;
        const files = { batch: path.join(dir, 'step.json'), options: path.join(dir, 'options.json') };
        fs.writeFileSync(files.batch, JSON.stringify(BATCH));
        fs.writeFileSync(files.options, JSON.stringify(training));
        const after = path.join(dir, 'after.safetensors');
        runNativeSync(engine, [
          'step',
          '--weights',
          before,
          '--batch',
          files.batch,
          '--options',
          files.options,
          '--out',
          after,
        ]);
        const options: TrainerOptions = { ...training, maxEpochs: 1, maxSteps: 1, evalEvery: 0, patience: 0 };
        const data = { trainBatches: () => [BATCH], validBatches: [], validExamples: [], detokenize: String };
        const trainer = new Trainer(model, data, options, () => undefined);
        await trainer.run();
        trainer.dispose();
        const stepped = modelFromInterchange(after).model;
        try {
          model.weights.forEach((w, i) => {
            const d = maxDiff(w.variable.dataSync(), stepped.weights[i]!.variable.dataSync());
            assert.ok(d < 1e-5, `${w.name} differs by ${d} after one step`);
          });
          const start = modelFromInterchange(before).model;
          const change = maxDiff(start.weights[0]!.variable.dataSync(), model.weights[0]!.variable.dataSync());
          start.dispose();
          assert.ok(change > 1e-4, 'the step changed the weights (a real step was compared)');
        } finally {
          stepped.dispose();
        }
      } finally {
        model.dispose();
      }
    });
  }

  it('a GRU + copy model trained natively learns a copy task (>= 95 % exact match), and converted decodes as the native engine does', async function () {
    const engine = nativeEngineOrSkip(this);
    const rng = new SeededRandom(5);
    const task = (n: number): Example[] =>
      Array.from({ length: n }, () => {
        const seq = Array.from({ length: 2 + Math.floor(rng.next() * 5) }, () => 6 + Math.floor(rng.next() * 30));
        return { src: [CODE2DOC_ID, ...seq, EOS_ID], tgt: seq };
      });
    const train = task(1200);
    const valid = task(40);
    const config = resolveModelConfig(
      { ...VARIANTS['GRU + copy (the shipped shape)']!, hiddenDim: 32, embeddingDim: 24 },
      VOCAB,
      VOCAB,
    );
    const start = buildModel(config, VOCAB, VOCAB, 1);
    const files = handOffFiles(dir);
    fs.writeFileSync(files.train, encodeExamples(train));
    fs.writeFileSync(files.valid, encodeExamples(valid));
    await writeInterchange(files.start, start);
    start.dispose();
    const training = {
      batchSize: 32,
      optimizer: { name: 'adam', learningRate: 0.01 },
      schedule: { kind: 'constant' },
      maxEpochs: 100,
      labelSmoothing: 0,
      evalEvery: 50,
      patience: 0,
    };
    fs.writeFileSync(files.run, JSON.stringify({ model: config, training }));
    runNativeSync(engine, [
      'train',
      ...['--examples', files.train, '--valid', files.valid, '--config', files.run, '--init', files.start],
      ...['--out', files.runDir, '--steps', '400', '--seed', '3'],
    ]);
    const { model } = modelFromInterchange(path.join(files.runDir, 'last', 'model.safetensors'));
    try {
      const sources = valid.slice(0, 20).map((e) => [...e.src]);
      const greedy = sources.map((s) => greedyDecode(model, s, { maxLength: 10, lengthPenalty: 0 }).tokens);
      const beam = sources.map(
        (s) => beamSearch(model, s, { beamSize: 4, maxLength: 10, lengthPenalty: 0.6 })[0]!.tokens,
      );
      const correct = greedy.filter((t, i) => t.join(' ') === valid[i]!.tgt.join(' ')).length;
      assert.ok(correct >= 19, `greedy exact match ${correct}/20 after native training`);
      const srcFile = path.join(dir, 'sources.json');
      fs.writeFileSync(srcFile, JSON.stringify(sources));
      const weights = path.join(files.runDir, 'last', 'model.safetensors');
      const decoded = (beamSize: number, lp: string): number[][] => {
        const out = path.join(dir, `decoded-${beamSize}.json`);
        runNativeSync(engine, [
          'decode',
          '--weights',
          weights,
          '--sources',
          srcFile,
          '--out',
          out,
          '--beam-size',
          String(beamSize),
          '--max-length',
          '10',
          '--length-penalty',
          lp,
        ]);
        return readJson<number[][]>(out);
      };
      assert.deepStrictEqual(decoded(1, '0'), greedy, 'greedy output differs between the engines');
      assert.deepStrictEqual(decoded(4, '0.6'), beam, 'beam output differs between the engines');
    } finally {
      model.dispose();
    }
  });

  it('CNN + copy: incremental greedy and beam decoding give token for token what the native engine gives', async function () {
    const engine = nativeEngineOrSkip(this);
    const model = buildModel(VARIANTS['CNN + copy, 2 + 2 layers']!, VOCAB, VOCAB, 11);
    try {
      // Weights three times their initial size: peaked distributions, so no near-tie decides a token.
      for (const w of model.weights) w.variable.assign(tf.tidy(() => tf.mul(w.variable, 3)));
      const weights = path.join(dir, 'cnn-decode.safetensors');
      await writeInterchange(weights, model);
      const sources = BATCH.src.map((row) => row.filter((id) => id !== PAD_ID));
      const srcFile = path.join(dir, 'cnn-sources.json');
      fs.writeFileSync(srcFile, JSON.stringify(sources));
      const decoded = (beamSize: number, lp: string): number[][] => {
        const out = path.join(dir, `cnn-decoded-${beamSize}.json`);
        runNativeSync(engine, [
          ...['decode', '--weights', weights, '--sources', srcFile, '--out', out],
          ...['--beam-size', String(beamSize), '--max-length', '10', '--length-penalty', lp],
        ]);
        return readJson<number[][]>(out);
      };
      const greedy = sources.map((s) => greedyDecode(model, s, { maxLength: 10, lengthPenalty: 0 }).tokens);
      const beam = sources.map(
        (s) => beamSearch(model, s, { beamSize: 4, maxLength: 10, lengthPenalty: 0.6 })[0]!.tokens,
      );
      assert.ok(
        greedy.some((t) => t.length > 2),
        'the outputs are long enough for the decoder state to matter',
      );
      assert.deepStrictEqual(decoded(1, '0'), greedy, 'greedy output differs between the engines');
      assert.deepStrictEqual(decoded(4, '0.6'), beam, 'beam output differs between the engines');
    } finally {
      model.dispose();
    }
  });
});

describe('seq2seq train --engine native (CLI, end to end)', function () {
  this.timeout(600_000);
  const BIN = path.join(__dirname, '..', '..', 'src', 'cli', 'bin.js');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-native-cli-'));
  before(() => selectBackend({ setting: 'wasm' }));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [BIN, ...args, '--backend', 'wasm'], { encoding: 'utf8', timeout: 300_000 });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  };

  it('prepares the run here, trains it natively on 2 processes, resumes it, and brings best/ back as a model folder', function () {
    nativeEngineOrSkip(this);
    const words = ['get', 'set', 'user', 'name', 'file', 'path'];
    const lines = Array.from({ length: 60 }, (_, i) => {
      const [a, b] = [words[i % 6]!, words[(i * 5 + 2) % 6]!];
      return JSON.stringify({
        lang: 'python',
        path: `f${i % 20}.py`,
        code: `def ${a}_${b}(x):\n    return x`,
        summary: `${a} ${b}`,
      });
    });
    const corpus = path.join(dir, 'corpus.jsonl');
    fs.writeFileSync(corpus, `${lines.join('\n')}\n`);
    const config = path.join(dir, 'cfg.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        model: { embeddingDim: 16, hiddenDim: 16, dropout: 0, maxSrcLen: 24, maxTgtLen: 8, copy: true },
        vocabSize: 300,
        batchSize: 8,
        directions: ['code2doc'],
        training: {
          optimizer: { name: 'adam', learningRate: 0.01 },
          schedule: { kind: 'constant' },
          evalEvery: 5,
          patience: 0,
        },
      }),
    );
    const out = path.join(dir, 'run');
    const args = ['train', '--corpus', corpus, '--config', config, '--out', out, '--engine', 'native', '--nproc', '2'];
    const first = cli([...args, '--max-steps', '10']);
    assert.strictEqual(first.code, 0, first.err);
    assert.match(first.err, /handed to the native engine: \d+ training and \d+ validation examples/);
    assert.match(first.err, /converted the native best checkpoint/);
    const resumed = cli([...args, '--max-steps', '20', '--resume']);
    assert.strictEqual(resumed.code, 0, resumed.err);
    const steps = fs
      .readFileSync(path.join(out, 'native', 'run', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step: number; loss?: number })
      .filter((m) => m.loss !== undefined)
      .map((m) => m.step);
    assert.deepStrictEqual(
      steps,
      Array.from({ length: 20 }, (_, i) => i + 1),
      'steps 1..20 once each across the resume',
    );
    const best = path.join(out, 'best');
    assert.ok(fs.existsSync(path.join(best, 'tokenizer.json')), 'best/ is a model folder with its tokenizer');
    return loadModel(best).then(({ model, meta }) => {
      assert.strictEqual(meta.step, 20, 'the converted model says the step its weights are from');
      model.dispose();
    });
  });

  it('hands a run with neighbours its validation examples a second time, without them (--valid-bare)', function () {
    nativeEngineOrSkip(this);
    const config = path.join(dir, 'cfg-retrieval.json');
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'cfg.json'), 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(config, JSON.stringify({ ...cfg, retrieval: 'project' }));
    const out = path.join(dir, 'run-retrieval');
    const corpus = path.join(dir, 'corpus.jsonl');
    const prepared = cli([
      ...['train', '--corpus', corpus, '--config', config, '--out', out],
      ...['--engine', 'native', '--max-steps', '10'],
    ]);
    const command = cli([
      ...['train', '--corpus', corpus, '--config', config, '--out', path.join(dir, 'run-printed')],
      ...['--engine', 'native', '--prepare-only'],
    ]);
    assert.strictEqual(prepared.code, 0, prepared.err);
    assert.strictEqual(command.code, 0, command.err);
    assert.match(command.out, /--valid \S+valid\.bin --valid-bare \S+valid-bare\.bin /);
    const evals = fs
      .readFileSync(path.join(out, 'native', 'run', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { validLoss?: number; validLossBare?: number })
      .filter((m) => m.validLoss !== undefined);
    assert.ok(evals.length > 0 && evals.every((m) => typeof m.validLossBare === 'number'), JSON.stringify(evals));
  });

  it('refuses native-only flags without --engine native', () => {
    for (const [flag, value] of [
      ['--nproc', '2'],
      ['--clock', 'cpu'],
    ]) {
      const refused = cli([
        'train',
        '--corpus',
        path.join(dir, 'corpus.jsonl'),
        '--out',
        path.join(dir, 'x'),
        flag!,
        value!,
      ]);
      assert.notStrictEqual(refused.code, 0);
      assert.match(refused.err, new RegExp(`${flag} needs --engine native`));
    }
  });
});
