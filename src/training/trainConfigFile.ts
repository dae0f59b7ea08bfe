/**
 * The schema of a training config file (`seq2seq train --config`, and the recipes of
 * train:v2 and train:v3, which add their own fields to these): every field of
 * {@link TrainConfigFile} checked for its type, unknown keys rejected, so a typo or a wrong type
 * is reported with the file and the field's path instead of training with a default. The model's
 * fields are checked by resolveModelConfig when the model is built.
 */
import type { ModelConfig } from '../core/config';
import { DIRECTIONS, type Direction } from '../core/specialTokens';
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
} from '../files/schema';
import { MRT_METRICS, TRAINING_OBJECTIVES } from './mrt';
import { OPTIMIZER_NAMES } from './optimizers';
import type { ScheduleConfig, ScheduleKind } from './schedules';
import { STOP_METRICS, TRAINING_CLOCKS, type TrainingOptions } from './trainingDefaults';

/** The `--config` file. Every field is optional. */
export interface TrainConfigFile {
  readonly model?: Partial<ModelConfig>;
  readonly training?: Partial<TrainingOptions>;
  readonly batchSize?: number;
  /** BPE vocabulary size for a new tokenizer. Default: TRAIN_JOB_DEFAULTS. */
  readonly vocabSize?: number;
  readonly seed?: number;
  readonly validFraction?: number;
  readonly testFraction?: number;
  readonly directions?: readonly Direction[];
  /**
   * Share (0..1] of the training pairs that also give a doc2code example when both directions
   * are trained, chosen with the seed (default: TRAIN_JOB_DEFAULTS; 1 is every pair, both ways).
   * Below 1 it spends the budget mostly on code2doc while one model still learns both directions.
   */
  readonly doc2codeShare?: number;
  /**
   * Retrieval-augmented code2doc: the summary of the most similar training function (BM25, from
   * another file) goes before the code, and the training split is saved beside the model as its
   * example memory (`memory.json`) for inference. A model fine-tuned from such a model keeps it.
   * `'project'`: the neighbour comes from the same project's other files only (a corpus of many
   * projects, see ProjectMemories in src/retrieval/projectMemory.ts), as the workspace index gives it
   * at inference time; no memory is saved, the model reads its neighbours from the user's workspace.
   */
  readonly retrieval?: boolean | 'project';
  /** How many tokens of the neighbour's summary go before the code (default 24). */
  readonly neighbourTokens?: number;
  /**
   * Retrieval only: share [0, 1) of the training pairs given no neighbour (each pair chosen by a
   * seeded hash of its file and code), so the model also learns to write on its own, as it must in
   * a workspace with no documented function. Validation pairs keep theirs. Default 0.
   */
  readonly neighbourDropout?: number;
  /**
   * Fine-tuning only: share of each batch taken from the base model's `rehearsal.jsonl` (pairs
   * of its own training corpus), in [0, 1). Default FINE_TUNE_REHEARSAL_SHARE; 0 turns it
   * off, and a model without the file trains on workspace pairs only.
   */
  readonly rehearsalShare?: number;
  /**
   * Training pairs whose code has more subword tokens than this are dropped, not truncated
   * (src/mining/lengthFilter.ts).
   */
  readonly maxCodeTokens?: number;
  /** Training pairs whose summary has more words than this are dropped. */
  readonly maxSummaryWords?: number;
}

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
} satisfies Record<ScheduleKind, Check<ScheduleConfig>>);

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
  clock: optional(oneOf(...TRAINING_CLOCKS)),
  evaluateAtStart: optional(boolean),
  rewarmSteps: optional(number),
  labelSmoothing: optional(number),
  evalEvery: optional(number),
  evalLimit: optional(number),
  evalBeam: optional(number),
  samples: optional(number),
  stopMetric: optional(oneOf(...STOP_METRICS)),
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
