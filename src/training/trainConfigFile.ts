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
  readJsonFile,
  tagged,
  type Check,
} from '../data/schema';
import type { TrainConfigFile } from './job';
import { OPTIMIZER_NAMES } from './optimizers';
import type { ScheduleConfig } from './schedules';

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
  threads: optional(number),
});

/** A training config's fields, for files that extend it (the recipes). */
export const TRAIN_CONFIG_FIELDS = {
  model: optional(checkedLater<Partial<ModelConfig>>()),
  training: optional(training),
  batchSize: optional(number),
  vocabSize: optional(number),
  seed: optional(number),
  validFraction: optional(number),
  testFraction: optional(number),
  directions: optional(array(oneOf(...DIRECTIONS))),
  doc2codeShare: optional(number),
  retrieval: optional(either('true, false or "project"', boolean, oneOf('project'))),
  neighbourTokens: optional(number),
  neighbourDropout: optional(number),
  rehearsalShare: optional(number),
};

export const trainConfigFile: Check<TrainConfigFile> = object(TRAIN_CONFIG_FIELDS);

/** Reads and checks a training config file; a message names the file and the bad field. */
export const readTrainConfig = (file: string): TrainConfigFile =>
  readJsonFile(file, trainConfigFile, `the config ${file}`);
