/**
 * The schema of a training config file (`seq2seq train --config`, and the recipes of
 * train:v1 and train:v2, which add their own fields to these): every field of
 * {@link TrainConfigFile} checked for its type, unknown keys rejected, so a typo or a wrong type
 * is reported with the file and the field's path instead of training with a default. The model's
 * fields are checked by resolveModelConfig when the model is built.
 */
import type { ModelConfig } from '../core/config';
import { DIRECTIONS } from '../core/specialTokens';
import {
  array,
  boolean,
  checkedLater,
  either,
  number,
  object,
  oneOf,
  optional,
  openFraction,
  readJsonFile,
  tagged,
  wholeNumberIn,
  type Check,
} from '../data/schema';
import type { TrainConfigFile } from './job';
import { MRT_METRICS, TRAINING_OBJECTIVES } from './mrt';
import { OPTIMIZER_NAMES } from './optimizers';
import type { ScheduleConfig } from './schedules';

/** The largest batch: beyond it one batch's activations take gigabytes. */
export const MAX_BATCH_SIZE = 1024;

/**
 * What is wrong with a job's batch size and split fractions, as a sentence, or undefined: the
 * same limits as the config file's schema, for configs that come from elsewhere (the extension,
 * a recipe).
 */
export function trainJobLimitsProblem(cfg: {
  readonly batchSize?: number;
  readonly validFraction?: number;
  readonly testFraction?: number;
}): string | undefined {
  const { batchSize, validFraction: v, testFraction: t } = cfg;
  if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= MAX_BATCH_SIZE))
    return `batchSize must be a whole number from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`;
  for (const [name, f] of [
    ['validFraction', v],
    ['testFraction', t],
  ] as const)
    if (f !== undefined && !(f > 0 && f < 1))
      return `${name} must be a number between 0 and 1 (both excluded), got ${f}`;
  if ((v ?? 0) + (t ?? 0) >= 1)
    return `validFraction and testFraction together must leave pairs to train on (their sum is ${(v ?? 0) + (t ?? 0)})`;
  return undefined;
}

const optimizer = object({
  name: oneOf(...OPTIMIZER_NAMES),
  learningRate: number,
  beta1: optional(number),
  beta2: optional(number),
  epsilon: optional(number),
  momentum: optional(number),
});

const schedule: Check<ScheduleConfig> = tagged('kind', {
  constant: object({ kind: oneOf('constant') }),
  noam: object({ kind: oneOf('noam'), warmupSteps: number }),
  cosine: object({ kind: oneOf('cosine'), warmupSteps: number, totalSteps: number, minRate: optional(number) }),
  plateau: object({
    kind: oneOf('plateau'),
    factor: optional(number),
    patience: optional(number),
    minRate: optional(number),
  }),
});

const training = object({
  optimizer: optional(optimizer),
  schedule: optional(schedule),
  maxEpochs: optional(number),
  maxSteps: optional(number),
  accumulate: optional(number),
  clipNorm: optional(number),
  weightDecay: optional(number),
  l2sp: optional(number),
  timeBudgetMs: optional(number),
  evaluateAtStart: optional(boolean),
  rewarmSteps: optional(number),
  labelSmoothing: optional(number),
  evalEvery: optional(number),
  evalLimit: optional(number),
  evalBeam: optional(number),
  samples: optional(number),
  stopMetric: optional(oneOf('loss', 'bleu', 'sentenceBleu', 'exactMatch')),
  patience: optional(number),
  threads: optional(wholeNumberIn(1, 1024)),
  objective: optional(oneOf(...TRAINING_OBJECTIVES)),
  mrt: optional(
    object({
      candidates: optional(number),
      sharpness: optional(number),
      includeReference: optional(boolean),
      metric: optional(oneOf(...MRT_METRICS)),
    }),
  ),
});

/** A training config's fields, for files that extend it (the recipes). */
export const TRAIN_CONFIG_FIELDS = {
  model: optional(checkedLater<Partial<ModelConfig>>()),
  training: optional(training),
  batchSize: optional(wholeNumberIn(1, MAX_BATCH_SIZE)),
  vocabSize: optional(number),
  seed: optional(number),
  validFraction: optional(openFraction),
  testFraction: optional(openFraction),
  directions: optional(array(oneOf(...DIRECTIONS))),
  doc2codeShare: optional(number),
  retrieval: optional(either('true, false or "project"', boolean, oneOf('project'))),
  neighbourTokens: optional(number),
  neighbourDropout: optional(number),
  rehearsalShare: optional(number),
  maxCodeTokens: optional(number),
  maxSummaryWords: optional(number),
};

export const trainConfigFile: Check<TrainConfigFile> = object(TRAIN_CONFIG_FIELDS);

/** Reads and checks a training config file; a message names the file and the bad field. */
export const readTrainConfig = (file: string): TrainConfigFile =>
  readJsonFile(file, trainConfigFile, `the config ${file}`);
