/**
 * What a training run reports. The trainer knows nothing of the UI: it calls one listener with
 * these plain-data events; the worker forwards them as protocol messages, and the CLI progress
 * bar, the JSONL metrics log and the dashboard are all listeners of the same events.
 */

export interface StepEvent {
  readonly type: 'step';
  /** Optimizer steps taken so far (1-based after the first update). */
  readonly step: number;
  readonly epoch: number;
  /** Training loss of this step (label smoothing included), per target token. */
  readonly loss: number;
  /** exp(unsmoothed cross-entropy) of this step. */
  readonly perplexity: number;
  /** Fraction of target tokens whose argmax is right (teacher forced). */
  readonly tokenAccuracy: number;
  readonly learningRate: number;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  readonly tokensPerSecond: number;
  readonly elapsedMs: number;
  /** Estimated time to the step or epoch limit; null when there is none. */
  readonly etaMs: number | null;
  /** Progress in [0, 1] towards the limit; null when unknown. */
  readonly progress: number | null;
}

export interface Sample {
  readonly source: string;
  readonly reference: string;
  readonly prediction: string;
}

export interface EvaluationResult {
  readonly loss: number;
  readonly perplexity: number;
  /** Corpus BLEU-4, unsmoothed, in [0, 100]. */
  readonly bleu: number;
  /** CodeXGLUE smoothed sentence BLEU-4 averaged over sentences, in [0, 100]. */
  readonly sentenceBleu: number;
  /** In [0, 100]. */
  readonly exactMatch: number;
  /** Examples decoded for the BLEU figures. */
  readonly decoded: number;
  readonly samples: readonly Sample[];
  /** Per group (e.g. language): sentence BLEU, corpus BLEU and exact match, in [0, 100]. */
  readonly byGroup: Readonly<
    Record<
      string,
      { readonly count: number; readonly bleu: number; readonly sentenceBleu: number; readonly exactMatch: number }
    >
  >;
}

export interface EvaluationEvent extends EvaluationResult {
  readonly type: 'evaluation';
  readonly step: number;
  readonly epoch: number;
  /** True when this evaluation is the best so far on the early-stopping metric. */
  readonly improved: boolean;
  readonly evaluationsWithoutImprovement: number;
  /** The starting model's evaluation, before any step: the score a fine-tune has to beat. */
  readonly reference?: boolean;
}

export interface EpochEvent {
  readonly type: 'epoch';
  /** The epoch just finished (1-based). */
  readonly epoch: number;
  readonly step: number;
  readonly meanLoss: number;
}

export interface CheckpointEvent {
  readonly type: 'checkpoint';
  readonly kind: 'best' | 'last';
  readonly dir: string;
  readonly step: number;
}

/**
 * Why a run ended: every epoch or `maxSteps` done (`completed`), early stopping, a cancel, or the
 * time budget (`timeBudgetMs`) spent.
 */
export type FinishReason = 'completed' | 'early-stopped' | 'cancelled' | 'time-budget';

export interface FinishedEvent {
  readonly type: 'finished';
  readonly reason: FinishReason;
  readonly step: number;
  readonly epoch: number;
  /** Best value of the early-stopping metric (null when never evaluated). */
  readonly bestMetric: number | null;
  readonly bestDir: string | null;
  readonly elapsedMs: number;
}

export interface ErrorEvent {
  readonly type: 'error';
  readonly message: string;
}

export interface PausedEvent {
  readonly type: 'paused' | 'resumed';
  readonly step: number;
}

export type TrainerEvent =
  StepEvent | EpochEvent | EvaluationEvent | CheckpointEvent | FinishedEvent | ErrorEvent | PausedEvent;

export type TrainerListener = (event: TrainerEvent) => void;
