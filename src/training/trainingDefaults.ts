/**
 * The training defaults, in one module that imports no engine code, so the extension host can
 * read them (Fine-tune on Workspace, Evaluate Model, the settings test) without loading
 * TensorFlow.js. The model's own defaults are DEFAULT_MODEL_CONFIG in src/core/config.ts; these
 * are the defaults of how a model is trained, from scratch (`seq2seq train`) or by fine-tuning.
 */
import type { TrainerOptions } from './trainer';

/** Trainer options without the run's own (folder, files, meta). */
export type TrainingOptions = Omit<TrainerOptions, 'outDir' | 'extraFiles' | 'meta'>;

/** Training from scratch (`seq2seq train`): Adam with warm-up and inverse-square-root decay. */
export const DEFAULT_TRAINING = {
  optimizer: { name: 'adam', learningRate: 0.003 },
  schedule: { kind: 'noam', warmupSteps: 100 },
  maxEpochs: 20,
  clipNorm: 1,
  labelSmoothing: 0.1,
  evalEvery: 0,
  evalLimit: 100,
  patience: 3,
  stopMetric: 'sentenceBleu',
} as const satisfies TrainingOptions;

/**
 * Fine-tuning a trained model on a small workspace (`initModel`): a rate an order of magnitude
 * below the from-scratch one with a short warm-up and inverse-square-root decay; the starting
 * model evaluated first and every 50 steps on the whole validation split's loss, which picks
 * `best/` and stops early (the starting weights stay `best/` when nothing beats them); L2-SP
 * toward the base weights; rehearsal of base pairs in every batch (FINE_TUNE_REHEARSAL_SHARE).
 * BLEU is still decoded on a few validation pairs for the dashboard's chart, but decides nothing.
 */
export const FINE_TUNE_TRAINING: TrainingOptions = {
  optimizer: { name: 'adam', learningRate: 1e-4 },
  schedule: { kind: 'noam', warmupSteps: 30 },
  maxEpochs: 100,
  clipNorm: 1,
  labelSmoothing: 0.1,
  l2sp: 0.01,
  evaluateAtStart: true,
  evalEvery: 50,
  evalLimit: 30,
  patience: 4,
  stopMetric: 'loss',
};

export const FINE_TUNE_REHEARSAL_SHARE = 0.25;

/**
 * The defaults of a training job's config file (`seq2seq train --config`): batch size, the BPE
 * vocabulary of a new tokenizer, the seed and the by-file split fractions.
 */
export const TRAIN_JOB_DEFAULTS = {
  batchSize: 32,
  vocabSize: 2000,
  seed: 1,
  validFraction: 0.1,
  testFraction: 0.1,
  doc2codeShare: 1,
} as const;

/**
 * What Fine-tune on Workspace uses where the user set no `seq2seq.training.*` setting (package.json
 * declares the same values; a unit test checks that they agree). The split fractions are the
 * job's, so Evaluate Model scores the same held-out files fine-tuning never trains on.
 */
export const FINE_TUNE_JOB_DEFAULTS = {
  batchSize: 16,
  seed: 42,
  validFraction: TRAIN_JOB_DEFAULTS.validFraction,
  testFraction: TRAIN_JOB_DEFAULTS.testFraction,
  maxSteps: 0,
  threads: 0,
  dropout: 0.1,
  weightDecay: 0,
} as const;
