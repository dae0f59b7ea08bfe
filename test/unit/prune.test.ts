/**
 * Magnitude pruning (`seq2seq prune`): the asked sparsity is reached in every weight matrix by
 * zeroing its smallest weights, pruned weights stay exactly zero through a fine-tune, and the
 * pruned model is a normal model folder that loads, decodes and records its pruning.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { selectBackend } from '../../src/core/backend';
import { loadModel } from '../../src/modelFolder/checkpoint';
import { buildModel } from '../../src/core/model';
import { CODE2DOC_ID, EOS_ID } from '../../src/core/specialTokens';
import { makeBatches, type Example } from '../../src/mining/dataset';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import { validationLoss } from '../../src/training/evaluation';
import { gradualSparsity, MagnitudePruner, measuredSparsity, prunableWeights } from '../../src/training/prune';
import { Trainer } from '../../src/training/trainer';
import { writeWordPairCorpus } from './helpers/wordPairCorpus';
import { cliProcess } from './helpers/cliProcess';

const FIRST = 6;
const VOCAB = FIRST + 8;

function copyExamples(n: number): Example[] {
  let s = 7;
  const r = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const seq = Array.from({ length: 2 + Math.floor(r() * 3) }, () => FIRST + Math.floor(r() * 8));
    return { src: [CODE2DOC_ID, ...seq, EOS_ID], tgt: seq };
  });
}

describe('magnitude pruning', function () {
  this.timeout(300000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
  });

  it('zeroes the smallest share of every weight matrix and leaves biases whole', () => {
    const model = buildModel({ embeddingDim: 16, hiddenDim: 16 }, VOCAB, VOCAB, 1);
    const before = new Map(model.weights.map((w) => [w.name, Float32Array.from(w.variable.dataSync())]));
    const pruner = new MagnitudePruner(model);
    pruner.prune(0.6);
    for (const w of model.weights) {
      const was = before.get(w.name)!;
      const now = w.variable.dataSync();
      if (w.variable.rank < 2) {
        assert.deepStrictEqual(Float32Array.from(now), was, `${w.name} is not pruned`);
        continue;
      }
      let zeros = 0;
      let largestPruned = 0;
      let smallestKept = Infinity;
      for (let i = 0; i < now.length; i++) {
        if (now[i] === 0) {
          zeros++;
          largestPruned = Math.max(largestPruned, Math.abs(was[i]!));
        } else {
          assert.strictEqual(now[i], was[i]);
          smallestKept = Math.min(smallestKept, Math.abs(was[i]!));
        }
      }
      assert.ok(zeros / now.length >= 0.6 - 1 / now.length, `${w.name}: ${zeros}/${now.length} zeros`);
      assert.ok(zeros / now.length < 0.62, `${w.name}: not much beyond the target`);
      assert.ok(largestPruned <= smallestKept, `${w.name}: the smallest weights went`);
    }
    assert.ok(Math.abs(pruner.sparsity() - 0.6) < 0.01);
    pruner.dispose();
    model.dispose();
  });

  it('raises sparsity along the cubic schedule', () => {
    assert.strictEqual(gradualSparsity(0.8, 0), 0);
    assert.ok(Math.abs(gradualSparsity(0.8, 0.5) - 0.8 * (1 - 0.125)) < 1e-12);
    assert.strictEqual(gradualSparsity(0.8, 1), 0.8);
    assert.strictEqual(gradualSparsity(0.8, 3), 0.8);
  });

  it('keeps pruned weights at zero while fine-tuning, and the fine-tune recovers loss', async () => {
    const train = copyExamples(48);
    const data = {
      trainBatches: (epoch: number) => makeBatches(train, { batchSize: 16, seed: epoch + 1 }),
      validBatches: makeBatches(train, { batchSize: 16, seed: 0 }),
      validExamples: train.slice(0, 4),
      detokenize: (ids: readonly number[]) => ids.join(' '),
    };
    const options = {
      optimizer: { name: 'adam' as const, learningRate: 0.02 },
      schedule: { kind: 'constant' as const },
      maxEpochs: 1000,
      labelSmoothing: 0,
      patience: 0,
      evalEvery: 1000,
    };
    const model = buildModel(
      { embeddingDim: 16, hiddenDim: 32, dropout: 0, maxSrcLen: 12, maxTgtLen: 8 },
      VOCAB,
      VOCAB,
      2,
    );
    const base = new Trainer(model, data, { ...options, maxSteps: 60 }, () => undefined);
    await base.run();
    base.dispose();
    const trainedLoss = validationLoss(model, data.validBatches);
    const pruner = new MagnitudePruner(model);
    pruner.prune(0.7);
    const zerosAt = prunableWeights(model).map((w) => Array.from(w.variable.dataSync(), (v) => v === 0));
    const prunedLoss = validationLoss(model, data.validBatches);
    const tune = new Trainer(model, data, { ...options, maxSteps: 40 }, () => undefined);
    tune.afterUpdate = () => pruner.apply();
    await tune.run();
    tune.dispose();
    const tunedLoss = validationLoss(model, data.validBatches);
    prunableWeights(model).forEach((w, k) => {
      const v = w.variable.dataSync();
      zerosAt[k]!.forEach((zero, i) => {
        if (zero) assert.ok(v[i] === 0, `${w.name}[${i}] came back as ${v[i]}`);
      });
    });
    assert.ok(measuredSparsity(prunableWeights(model)) >= 0.69);
    console.log(
      `      validation loss: trained ${trainedLoss.toFixed(3)}, pruned 70% ${prunedLoss.toFixed(3)}, fine-tuned ${tunedLoss.toFixed(3)}`,
    );
    assert.ok(prunedLoss > trainedLoss, 'pruning 70 % costs something');
    assert.ok(tunedLoss < prunedLoss, 'the fine-tune recovers part of it');
    pruner.dispose();
    model.dispose();
  });

  describe('seq2seq prune', () => {
    const cli = (args: string[], input?: string) => cliProcess(args, { input, timeoutMs: 180_000 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-prune-'));
    const corpus = path.join(dir, 'corpus.jsonl');
    const run = path.join(dir, 'run');
    before(() => {
      writeWordPairCorpus(corpus, { pairs: 40, files: 10 });
      const config = path.join(dir, 'cfg.json');
      fs.writeFileSync(
        config,
        JSON.stringify({
          model: { embeddingDim: 16, hiddenDim: 16 },
          vocabSize: 300,
          batchSize: 8,
          directions: ['code2doc'],
        }),
      );
      const r = cli(['train', '--corpus', corpus, '--config', config, '--out', run, '--max-steps', '10']);
      assert.strictEqual(r.code, 0, r.err);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    async function checkPruned(folder: string, target: number): Promise<void> {
      const { model, meta } = await loadModel(folder);
      const achieved = measuredSparsity(prunableWeights(model));
      model.dispose();
      assert.ok(achieved >= target - 0.01, `sparsity ${achieved} reaches ${target}`);
      assert.strictEqual(meta.pruning?.target, target);
      assert.ok(Math.abs(meta.pruning.sparsity - achieved) < 1e-9, 'the meta records the sparsity');
      assert.ok(fs.existsSync(path.join(folder, 'tokenizer.json')));
      const t = cli(['translate', '--model', folder, '--beam', '2'], 'def get_user(x):\n    return x\n');
      assert.strictEqual(t.code, 0, t.err);
    }

    it('writes a pruned model folder that loads and decodes', async () => {
      const out = path.join(dir, 'p50');
      const r = cli(['prune', '--model', run, '--sparsity', '0.5', '--out', out]);
      assert.strictEqual(r.code, 0, r.err);
      assert.match(r.out, /pruned 5\d\.\d% of the weight matrices \(target 0\.5, per tensor\)/);
      await checkPruned(out, 0.5);
    });

    it('fine-tunes with the zeros kept, gradually pruning towards the target', async () => {
      const out = path.join(dir, 'p70g');
      const r = cli([
        'prune',
        '--model',
        run,
        '--sparsity',
        '0.7',
        '--out',
        out,
        '--gradual',
        '--fine-tune',
        '0.1',
        '--corpus',
        corpus,
      ]);
      assert.strictEqual(r.code, 0, r.err);
      assert.match(r.err, /fine-tuned \d+ steps/);
      await checkPruned(out, 0.7);
      const { meta } = await loadModel(out);
      assert.strictEqual(meta.pruning?.gradual, true);
      assert.strictEqual(meta.pruning?.fineTuneMinutes, 0.1);
    });

    it('refuses what cannot work', () => {
      for (const [args, message] of [
        [['--sparsity', '1'], /--sparsity must be a number from 0 to below 1/],
        [['--sparsity', '0.5', '--gradual'], /--gradual prunes during a fine-tune/],
        [['--sparsity', '0.5', '--fine-tune', '1'], /--fine-tune needs --corpus/],
      ] as const) {
        const r = cli(['prune', '--model', run, '--out', path.join(dir, 'x'), ...args]);
        assert.notStrictEqual(r.code, 0);
        assert.match(r.err, message);
      }
    });
  });
});
