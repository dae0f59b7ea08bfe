/**
 * The training defaults, in one module that imports no engine code, so the extension host can
 * read them (Fine-tune on Workspace, Evaluate Model, the settings test) without loading
 * TensorFlow.js. The model's own defaults are DEFAULT_MODEL_CONFIG in src/core/config.ts; these
 * are the defaults of how a model is trained, from scratch (`seq2seq train`) or by fine-tuning.
 * TRAINER_DEFAULTS holds the value of every trainer option a caller may leave out; the Trainer
 * resolves its options against it once (resolveTrainerOptions), when it is built.
 */
import type { ModelMetaInput } from '../modelFolder/format';
import type { MrtSettings, TrainingObjective } from './mrt';
import type { OptimizerConfig } from './optimizers';
import type { ScheduleConfig } from './schedules';

export type TrainingClock = 'wall' | 'cpu';
export const TRAINING_CLOCKS: readonly TrainingClock[] = ['wall', 'cpu'];

export type StopMetric = 'loss' | 'bleu' | 'sentenceBleu' | 'exactMatch';
export const STOP_METRICS: readonly StopMetric[] = ['loss', 'bleu', 'sentenceBleu', 'exactMatch'];

/** A Trainer's options; where one is left out, TRAINER_DEFAULTS gives its value. */
export interface TrainerOptions {
  readonly optimizer: OptimizerConfig;
  readonly schedule: ScheduleConfig;
  readonly maxEpochs: number;
  /** Stop after this many optimizer steps; 0: no limit. */
  readonly maxSteps?: number;
  /** Micro-batches per optimizer step. */
  readonly accumulate?: number;
  /** Global-norm clip; 0 disables. */
  readonly clipNorm?: number;
  /** L2 coefficient added to gradients. */
  readonly weightDecay?: number;
  /**
   * L2-SP strength: adds `l2sp * (w - w0)` to the gradients, `w0` being the weights when the
   * trainer was built (the base model when fine-tuning); 0: off.
   */
  readonly l2sp?: number;
  /** Stop after this much training time (milliseconds; time paused not counted); 0: no limit. */
  readonly timeBudgetMs?: number;
  /**
   * What the time budget (and `elapsedMs`) counts: `wall`, the time that passes, or `cpu`, the CPU
   * time of this process (all its threads, so `threads` workers spend it faster), so that a run on
   * a machine busy with other work gets the same computation as on a quiet one, as the native
   * engine's `--clock cpu`.
   */
  readonly clock?: TrainingClock;
  /**
   * Evaluate the starting model before the first step: its validation loss is the value to beat
   * (so a fine-tune that never improves keeps the starting weights as `best/`) and the event is
   * marked `reference` (the dashboard draws its BLEU as a line).
   */
  readonly evaluateAtStart?: boolean;
  /**
   * A run whose optimizer starts afresh in the middle of the schedule (`rewarmFrom` in its state: a
   * continued run) takes the scheduled rate times `(step - rewarmFrom) / rewarmSteps` until that
   * reaches 1: Adam's first steps with empty moments move every weight by about the full rate,
   * which undoes part of what the model had learned. 0: no ramp.
   */
  readonly rewarmSteps?: number;
  readonly labelSmoothing?: number;
  /** Evaluate every N optimizer steps; 0 = at each epoch's end. */
  readonly evalEvery?: number;
  /** Examples decoded per evaluation. */
  readonly evalLimit?: number;
  /** Beam for evaluation decoding; 1 = greedy. */
  readonly evalBeam?: number;
  /** Sample translations reported with each evaluation. */
  readonly samples?: number;
  /** The validation metric that picks `best/` and decides early stopping. */
  readonly stopMetric?: StopMetric;
  /** Evaluations without improvement before stopping; 0 = never stop early. */
  readonly patience?: number;
  /** Run folder: `best/` and `last/` checkpoints go here. None: no checkpoints. */
  readonly outDir?: string;
  /** Files written into every checkpoint (e.g. tokenizer.json). */
  readonly extraFiles?: Readonly<Record<string, string>>;
  readonly meta?: ModelMetaInput;
  /**
   * Threads computing gradients: this one plus `threads - 1` data-parallel gradient workers,
   * each with its own backend and model replica.
   */
  readonly threads?: number;
  /**
   * What the steps minimise: `mle`, the cross-entropy of the references (when absent), or `mrt`,
   * the expected risk over beam candidates (minimum-risk training, src/training/mrt.ts; one
   * thread), usually from a model trained with `mle` (`train --init`).
   */
  readonly objective?: TrainingObjective;
  /** Minimum-risk settings (with `objective: 'mrt'`). */
  readonly mrt?: MrtSettings;
}

/** The value of each optional trainer option that has one, when the caller leaves it out. */
export const TRAINER_DEFAULTS = {
  maxSteps: 0,
  accumulate: 1,
  clipNorm: 1,
  weightDecay: 0,
  l2sp: 0,
  timeBudgetMs: 0,
  clock: 'wall',
  evaluateAtStart: false,
  rewarmSteps: 0,
  labelSmoothing: 0.1,
  evalEvery: 0,
  evalLimit: 100,
  evalBeam: 1,
  samples: 3,
  stopMetric: 'loss',
  patience: 3,
  threads: 1,
} as const satisfies {
  readonly [K in keyof TrainerOptions]?: NonNullable<TrainerOptions[K]>;
};

type Defaulted = keyof typeof TRAINER_DEFAULTS;

/** Trainer options with every option of TRAINER_DEFAULTS present. */
export type ResolvedTrainerOptions = Omit<TrainerOptions, Defaulted> & {
  readonly [K in Defaulted]-?: NonNullable<TrainerOptions[K]>;
};

/** `o` with TRAINER_DEFAULTS' value for each option it leaves out (absent or undefined). */
export function resolveTrainerOptions(o: TrainerOptions): ResolvedTrainerOptions {
  const d = TRAINER_DEFAULTS;
  return {
    ...o,
    maxSteps: o.maxSteps ?? d.maxSteps,
    accumulate: o.accumulate ?? d.accumulate,
    clipNorm: o.clipNorm ?? d.clipNorm,
    weightDecay: o.weightDecay ?? d.weightDecay,
    l2sp: o.l2sp ?? d.l2sp,
    timeBudgetMs: o.timeBudgetMs ?? d.timeBudgetMs,
    clock: o.clock ?? d.clock,
    evaluateAtStart: o.evaluateAtStart ?? d.evaluateAtStart,
    rewarmSteps: o.rewarmSteps ?? d.rewarmSteps,
    labelSmoothing: o.labelSmoothing ?? d.labelSmoothing,
    evalEvery: o.evalEvery ?? d.evalEvery,
    evalLimit: o.evalLimit ?? d.evalLimit,
    evalBeam: o.evalBeam ?? d.evalBeam,
    samples: o.samples ?? d.samples,
    stopMetric: o.stopMetric ?? d.stopMetric,
    patience: o.patience ?? d.patience,
    threads: o.threads ?? d.threads,
  } satisfies Record<Defaulted, unknown>;
}

/** Trainer options without the run's own (folder, files, meta). */
export type TrainingOptions = Omit<TrainerOptions, 'outDir' | 'extraFiles' | 'meta'>;

/**
 * Training from scratch (`seq2seq train`): Adam with warm-up and inverse-square-root decay,
 * evaluated at each epoch's end; unlike the trainer's own default, sentence BLEU (not the loss)
 * picks `best/` and decides early stopping.
 */
export const DEFAULT_TRAINING = {
  optimizer: { name: 'adam', learningRate: 0.003 },
  schedule: { kind: 'noam', warmupSteps: 100 },
  maxEpochs: 20,
  clipNorm: TRAINER_DEFAULTS.clipNorm,
  labelSmoothing: TRAINER_DEFAULTS.labelSmoothing,
  evalEvery: TRAINER_DEFAULTS.evalEvery,
  evalLimit: TRAINER_DEFAULTS.evalLimit,
  patience: TRAINER_DEFAULTS.patience,
  stopMetric: 'sentenceBleu',
} as const satisfies TrainingOptions;

/**
 * Fine-tuning a trained model on a small workspace (`initModel`): a rate an order of magnitude
 * below the from-scratch one with a short warm-up and inverse-square-root decay; the starting
 * model evaluated first and every 50 steps on the whole validation split's loss, which picks
 * `best/` and stops early (the starting weights stay `best/` when nothing beats them); L2-SP
 * toward the base weights; rehearsal of base pairs in every batch (FINE_TUNE_REHEARSAL_SHARE).
 * BLEU is still decoded on a few validation pairs for the dashboard's chart, but decides nothing.
 * Chosen for the GRU (v2) and kept for the Transformer (v3): on validation projects a 3x higher
 * rate wrote worse comments and checks every 25 steps let a worse model through the guard
 * (bench/learning/README.md, "Fine-tuning model v3").
 */
export const FINE_TUNE_TRAINING: TrainingOptions = {
  optimizer: { name: 'adam', learningRate: 1e-4 },
  schedule: { kind: 'noam', warmupSteps: 30 },
  maxEpochs: 100,
  clipNorm: TRAINER_DEFAULTS.clipNorm,
  labelSmoothing: TRAINER_DEFAULTS.labelSmoothing,
  l2sp: 0.01,
  evaluateAtStart: true,
  evalEvery: 50,
  evalLimit: 30,
  patience: 4,
  stopMetric: 'loss',
};

export const FINE_TUNE_REHEARSAL_SHARE = 0.25;

/**
 * Held-out functions the fine-tune guard (guard.ts) needs before it installs anything. With fewer,
 * every resample repeats the same few functions and one lucky sentence decides: bench:learning saw
 * a model installed on 2 held-out functions (ahead in 100 % of resamples) score 7 % below the base
 * on the project's next 50 functions. Here, so that a learning run's split
 * (src/learning/learningCorpus.ts) can hold out enough without loading the engine.
 */
export const GUARD_MIN_FUNCTIONS = 10;

/**
 * Functions a learning run's split validates on (the fine-tune's early stopping) where the
 * fine-tune's own split gives it none: the fewest whole files that reach this many. Every function
 * validated on is one the run does not learn from, and after 50 corrections a run has only a few
 * dozen; fewer than five and one function's loss picks the checkpoint.
 */
export const LEARNING_VALID_FUNCTIONS = 5;

/**
 * The length of a cosine schedule chosen for Fine-tune on Workspace (`seq2seq.training.lrSchedule`)
 * when `seq2seq.training.maxSteps` sets no limit: optimizer steps from the peak rate to the floor.
 */
export const FINE_TUNE_COSINE_STEPS = 2000;

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
