/**
 * Minimum-risk training as a training objective (`training.objective: "mrt"`): the trainer's
 * steps minimise the expected risk over beam candidates instead of the cross-entropy (the loss it
 * reports is that risk, and its gradient is not the cross-entropy's), a tiny model's expected risk
 * on its training set goes down, the config and the CLI select it, and the model records it.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../src/core/backend';
import { buildModel, type Seq2SeqModel } from '../../src/core/model';
import { CODE2DOC_ID, EOS_ID } from '../../src/core/specialTokens';
import { makeBatches, type Example } from '../../src/mining/dataset';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import type { StepEvent } from '../../src/training/events';
import { batchGradients } from '../../src/training/gradients';
import { batchExamples, candidateSet, expectedRisk, mrtBatchGradients, mrtOptions } from '../../src/training/mrt';
import { readTrainConfig } from '../../src/training/trainConfigFile';
import { Trainer, type TrainingData } from '../../src/training/trainer';
import type { TrainerOptions } from '../../src/training/trainingDefaults';
import { writeWordPairCorpus } from './helpers/wordPairCorpus';
import { cliProcess } from './helpers/cliProcess';

const FIRST = 6;
const VOCAB = FIRST + 8;
const detokenize = (ids: readonly number[]): string => ids.map((i) => `w${i}`).join(' ');

/** Reverse-the-sequence pairs from a seeded generator. */
function reverseExamples(n: number, seed: number): Example[] {
  let s = seed >>> 0;
  const r = (): number => (s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return Array.from({ length: n }, () => {
    const seq = Array.from({ length: 2 + Math.floor(r() * 3) }, () => FIRST + Math.floor(r() * 8));
    return { src: [CODE2DOC_ID, ...seq, EOS_ID], tgt: [...seq].reverse() };
  });
}

const train = reverseExamples(32, 5);
const data: TrainingData = {
  trainBatches: (epoch) => makeBatches(train, { batchSize: 16, seed: epoch + 1 }),
  validBatches: makeBatches(train, { batchSize: 16, seed: 0 }),
  validExamples: train.slice(0, 4),
  detokenize,
};
const BASE: TrainerOptions = {
  optimizer: { name: 'adam', learningRate: 0.02 },
  schedule: { kind: 'constant' },
  maxEpochs: 10_000,
  labelSmoothing: 0,
  patience: 0,
  evalEvery: 1000,
};

/** A model that has learnt some of the task by maximum likelihood (so its beams are not noise). */
async function pretrained(steps: number): Promise<Seq2SeqModel> {
  const model = buildModel(
    { embeddingDim: 16, hiddenDim: 32, dropout: 0, maxSrcLen: 12, maxTgtLen: 8 },
    VOCAB,
    VOCAB,
    3,
  );
  const t = new Trainer(model, data, { ...BASE, maxSteps: steps }, () => undefined);
  await t.run();
  t.dispose();
  return model;
}

const trainingRisk = (model: Seq2SeqModel): number =>
  expectedRisk(
    model,
    train.map((e) => candidateSet(model, e, detokenize, mrtOptions({}))),
    1,
  );

describe('minimum-risk training objective', function () {
  this.timeout(300000);
  before(async () => {
    await selectBackend({ setting: 'wasm' });
    prepareTrainingBackend();
  });

  it("a batch's MRT loss is its expected risk, and its gradient is not the cross-entropy's", async () => {
    const model = await pretrained(30);
    const batch = data.trainBatches(0)[0]!;
    const mrt = mrtBatchGradients(model, batch, detokenize, mrtOptions({}));
    const mle = batchGradients(model, batch, 0);
    const sets = batchExamples(batch).map((e) => candidateSet(model, e, detokenize, mrtOptions({})));
    assert.ok(Math.abs(mrt.loss - expectedRisk(model, sets)) < 1e-4, `${mrt.loss} is the expected risk`);
    assert.ok(mrt.loss >= 0 && mrt.loss <= 1);
    assert.ok(Math.abs(mrt.nll - mle.nll) < 1e-4, 'the reported nll is the references’ cross-entropy');
    const cosine = tf.tidy(() => {
      const a = tf.concat(mrt.grads.map((g) => g.reshape([-1])));
      const b = tf.concat(mle.grads.map((g) => g.reshape([-1])));
      return tf.div(tf.sum(tf.mul(a, b)), tf.mul(tf.norm(a), tf.norm(b))).dataSync()[0]!;
    });
    assert.ok(cosine < 0.99, `the MRT gradient differs from the cross-entropy's (cosine ${cosine})`);
    tf.dispose([...mrt.grads, ...mle.grads]);
    model.dispose();
  });

  it('a run with objective mrt lowers the expected risk on its training set and reports it as the loss', async () => {
    const model = await pretrained(30);
    const before = trainingRisk(model);
    const firstBatch = batchExamples(data.trainBatches(0)[0]!);
    const firstRisk = expectedRisk(
      model,
      firstBatch.map((e) => candidateSet(model, e, detokenize, mrtOptions({}))),
    );
    const steps: StepEvent[] = [];
    const t = new Trainer(
      model,
      data,
      {
        ...BASE,
        optimizer: { name: 'adam', learningRate: 0.01 },
        maxSteps: 20,
        objective: 'mrt',
        mrt: { candidates: 4 },
      },
      (e) => {
        if (e.type === 'step') steps.push(e);
      },
    );
    const finished = await t.run();
    t.dispose();
    const after = trainingRisk(model);
    assert.strictEqual(finished.step, 20);
    // The first step's loss is the first batch's expected risk (with cross-entropy it would not be).
    assert.ok(Math.abs(steps[0]!.loss - firstRisk) < 1e-4, `${steps[0]!.loss} vs ${firstRisk}`);
    assert.ok(
      steps.every((s) => s.loss >= 0 && s.loss <= 1),
      'the step loss is a risk in [0, 1]',
    );
    console.log(`      expected risk on the training set ${before.toFixed(3)} -> ${after.toFixed(3)} in 20 MRT steps`);
    assert.ok(after < before - 0.02, `expected risk on the training set ${before.toFixed(3)} -> ${after.toFixed(3)}`);
    model.dispose();
  });

  it('is read from a config file and refused when it cannot work', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-mrt-config-'));
    const file = path.join(dir, 'cfg.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        training: { objective: 'mrt', mrt: { candidates: 3, sharpness: 0.5, includeReference: true, metric: 'chrf' } },
      }),
    );
    assert.deepStrictEqual(readTrainConfig(file).training?.mrt, {
      candidates: 3,
      sharpness: 0.5,
      includeReference: true,
      metric: 'chrf',
    });
    fs.writeFileSync(file, JSON.stringify({ training: { objective: 'mrt', mrt: { metric: 'bleu' } } }));
    assert.throws(() => readTrainConfig(file), /training\.mrt\.metric must be one of "sentence-bleu", "chrf"/);
    const model = buildModel({ embeddingDim: 4, hiddenDim: 4 }, VOCAB, VOCAB);
    assert.throws(
      () => new Trainer(model, data, { ...BASE, objective: 'mrt', mrt: { candidates: 0 } }, () => undefined),
      /training\.mrt\.candidates must be a whole number from 1 to 64/,
    );
    assert.throws(
      () => new Trainer(model, data, { ...BASE, objective: 'mrt', threads: 2 }, () => undefined),
      /one thread/,
    );
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('train --init <model> --objective mrt continues a model by minimum risk and records it in the meta', () => {
    const cli = (args: string[]) => cliProcess(args);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 's2s-mrt-cli-'));
    const corpus = path.join(dir, 'corpus.jsonl');
    writeWordPairCorpus(corpus, { pairs: 40, files: 10 });
    const config = path.join(dir, 'cfg.json');
    fs.writeFileSync(
      config,
      JSON.stringify({
        model: { embeddingDim: 8, hiddenDim: 8 },
        vocabSize: 300,
        batchSize: 8,
        directions: ['code2doc'],
      }),
    );
    const base = path.join(dir, 'base');
    assert.strictEqual(
      cli(['train', '--corpus', corpus, '--config', config, '--out', base, '--max-steps', '3']).code,
      0,
    );
    const refused = cli([
      'train',
      '--corpus',
      corpus,
      '--init',
      path.join(base, 'last'),
      '--out',
      path.join(dir, 'x'),
      '--mrt-candidates',
      '2',
    ]);
    assert.notStrictEqual(refused.code, 0);
    assert.match(refused.err, /add --objective mrt/);
    const run = path.join(dir, 'mrt');
    const r = cli([
      'train',
      '--corpus',
      corpus,
      '--init',
      path.join(base, 'last'),
      '--out',
      run,
      '--max-steps',
      '2',
      '--objective',
      'mrt',
      '--mrt-candidates',
      '2',
      '--mrt-metric',
      'chrf',
    ]);
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.err, /training: .*objective mrt, mrt \{"candidates":2,"metric":"chrf"\}/);
    const saved = JSON.parse(fs.readFileSync(path.join(run, 'last', 'config.json'), 'utf8')) as {
      meta: {
        training: { options: { origin: string; training: { objective: string; mrt: unknown; stopMetric: string } } };
      };
    };
    assert.strictEqual(saved.meta.training.options.origin, 'fine-tuned');
    assert.strictEqual(saved.meta.training.options.training.objective, 'mrt');
    // best/ follows a decoded metric, not the cross-entropy MRT does not minimise.
    assert.strictEqual(saved.meta.training.options.training.stopMetric, 'sentenceBleu');
    assert.deepStrictEqual(saved.meta.training.options.training.mrt, { candidates: 2, metric: 'chrf' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
