/**
 * Maximum-likelihood training of a Seq2SeqModel, reporting through one event listener (events.ts)
 * and knowing nothing of any UI.
 *
 * One optimizer step = `accumulate` micro-batches whose gradients are averaged weighted by target
 * tokens, then L2 weight decay, clipping by global norm, the scheduled learning rate and the
 * optimizer update. Every `evalEvery` steps (or at each epoch's end when 0) the model is evaluated;
 * the chosen metric drives early stopping (patience) and the `best/` checkpoint; `last/` is saved
 * at each evaluation, at the end, and on cancel. A checkpoint holds the optimizer state and the
 * position in the data, so `Trainer.fromCheckpoint` continues at the same step. Pause and cancel
 * take effect between optimizer steps; the loop yields to the event loop after every micro-batch
 * so a worker thread can receive them. Time paused counts against no time budget.
 *
 * With `threads` above 1 the gradients of every micro-batch come from data-parallel replicas
 * (replicaPool.ts): the batch is split between this thread and `threads - 1` gradient workers,
 * their gradients are combined weighted by target tokens, and this trainer alone applies the
 * update and publishes the weights. Every evaluation first checks that all replicas hold the
 * same weights and stops the run loudly when they do not.
 */
import * as path from 'path';
import type * as tf from '@tensorflow/tfjs';

import type { Batch } from '../core/batch';
import type { Seq2SeqModel } from '../core/model';
import { evaluateModel, type EvalExample } from './evaluation';
import type { EvaluationEvent, FinishedEvent, FinishReason, TrainerListener } from './events';
import {
  GradientAccumulator,
  addWeightDecay,
  applyGradients,
  clipByGlobalNorm,
  createOptimizer,
  setLearningRate,
} from './optimizers';
import { batchGradients, type ShareGradients } from './gradients';
import { WeightAnchor } from './l2sp';
import { ReplicaPool } from './replicaPool';
import { checkThreads } from './threads';
import { checkMrtSettings, mrtBatchGradients, mrtOptions, TRAINING_OBJECTIVES } from './mrt';
import {
  resolveTrainerOptions,
  type ResolvedTrainerOptions,
  type StopMetric,
  type TrainerOptions,
  TRAINING_CLOCKS,
} from './trainingDefaults';
import { createSchedule, type LrSchedule } from './schedules';
import { initialTrainState, loadTrainCheckpoint, saveTrainCheckpoint, type TrainState } from './trainState';

/** Where the batches come from; the same epoch must give the same batches (seeded). */
export interface TrainingData {
  /** Micro-batches of epoch `epoch` (0-based). */
  trainBatches(epoch: number): readonly Batch[];
  readonly validBatches: readonly Batch[];
  readonly validExamples: readonly EvalExample[];
  /** Target or source ids -> text, for BLEU and samples. */
  detokenize(ids: readonly number[]): string;
}

/** Thrown when a step's loss (or gradient) is NaN or infinite: the run stops before applying it. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    what: 'loss' | 'gradient',
  ) {
    super(
      `training stopped at step ${step}: the ${what} is not a finite number (NaN or infinite), so the step was not applied and nothing from it was saved. ` +
        'Lower the learning rate (or clipNorm), then resume from last/ or train again.',
    );
    this.name = 'NonFiniteLossError';
  }
}

function checkFiniteLoss(loss: number, step: number, what: 'loss' | 'gradient' = 'loss'): void {
  if (!Number.isFinite(loss)) throw new NonFiniteLossError(step, what);
}

/** Sums over the micro-batches of one optimizer step (loss and nll weighted by target tokens). */
interface MicroStats {
  readonly loss: number;
  readonly nll: number;
  readonly correct: number;
  readonly tokens: number;
}

const NO_MICRO_STATS: MicroStats = { loss: 0, nll: 0, correct: 0, tokens: 0 };

/** The CPU time of this process so far (user and system, all threads), in milliseconds. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * A step's estimated wall time left and progress (0..1): with both a step limit and a time budget,
 * whichever comes first; null when there is neither. The budget's time left is on its clock
 * (`elapsedMs`, `budgetMs`), turned into wall time at the rate this run has had it (CPU time can
 * pass slower than wall time on a busy machine, or faster on several threads).
 */
export function stepProgress(p: {
  readonly step: number;
  readonly startStep: number;
  readonly totalSteps: number;
  readonly budgetMs: number;
  readonly elapsedMs: number;
  /** Wall time since this run (not the whole training) started, pauses left out. */
  readonly runMs: number;
  /** The same on the budget's clock. */
  readonly runClockMs: number;
}): { etaMs: number | null; progress: number | null } {
  const { step, startStep, totalSteps, budgetMs, elapsedMs } = p;
  const wallPerClockMs = p.runClockMs > 0 && p.runMs > 0 ? p.runMs / p.runClockMs : 1;
  const eta = Math.min(
    totalSteps > 0 ? (Math.max(0, totalSteps - step) * p.runMs) / Math.max(1, step - startStep) : Infinity,
    budgetMs > 0 ? Math.max(0, budgetMs - elapsedMs) * wallPerClockMs : Infinity,
  );
  return {
    etaMs: Number.isFinite(eta) ? eta : null,
    progress:
      totalSteps > 0 || budgetMs > 0
        ? Math.min(1, Math.max(totalSteps > 0 ? step / totalSteps : 0, budgetMs > 0 ? elapsedMs / budgetMs : 0))
        : null,
  };
}

/** The share of the scheduled rate at `step` of a run that rewarms from `from` over `steps` ({@link TrainerOptions.rewarmSteps}). */
function rewarmFactor(step: number, from: number | undefined, steps: number): number {
  if (from === undefined || !(steps > 0)) return 1;
  return Math.min(1, Math.max(0, step - from) / steps);
}

export const BEST_DIR = 'best';
export const LAST_DIR = 'last';
/** A native run's mean of its last evaluations' weights (scripts/model-v2/nativeChunk.ts), when it keeps them. */
export const AVERAGE_DIR = 'average';

const higherIsBetter = (m: StopMetric): boolean => m !== 'loss';

export class Trainer {
  private readonly schedule: LrSchedule;
  private state: TrainState;
  private paused: (() => void) | null = null;
  private pauseRequested = false;
  private cancelRequested = false;
  private running = false;
  private pool: ReplicaPool | null = null;
  /** How long the last evaluation took (the time budget keeps room for one more). */
  private lastEvaluationMs = 0;
  private readonly anchor: WeightAnchor | null;
  /**
   * Called after each optimizer update, before the replicas see the weights (pruning keeps its
   * zeros there, src/training/prune.ts).
   */
  afterUpdate: ((step: number) => void) | null = null;
  /** The options with TRAINER_DEFAULTS filled in. */
  private readonly options: ResolvedTrainerOptions;
  /** Milliseconds on the clock the time budget counts ({@link TrainerOptions.clock}). */
  private readonly clock: () => number;

  constructor(
    readonly model: Seq2SeqModel,
    private readonly data: TrainingData,
    options: TrainerOptions,
    private readonly listener: TrainerListener,
    private readonly optimizer: tf.Optimizer = createOptimizer(options.optimizer),
    state?: TrainState,
  ) {
    this.options = resolveTrainerOptions(options);
    if (!TRAINING_CLOCKS.includes(this.options.clock))
      throw new Error(`training.clock must be wall or cpu, got ${JSON.stringify(this.options.clock)}`);
    this.clock = this.options.clock === 'cpu' ? cpuMs : Date.now;
    if (!(options.maxEpochs >= 1)) throw new Error(`maxEpochs must be at least 1, got ${options.maxEpochs}`);
    checkThreads(options.threads);
    if (options.objective !== undefined && !TRAINING_OBJECTIVES.includes(options.objective))
      throw new Error(`training.objective must be mle or mrt, got ${JSON.stringify(options.objective)}`);
    if (options.mrt) checkMrtSettings(options.mrt);
    if (options.objective === 'mrt' && this.options.threads > 1)
      throw new Error('minimum-risk training (objective mrt) runs on one thread; set threads to 1.');
    this.schedule = createSchedule(options.schedule, options.optimizer.learningRate);
    this.state = state ?? initialTrainState();
    this.schedule.restore(this.state.schedule);
    this.anchor = this.options.l2sp > 0 ? new WeightAnchor(model.variables) : null;
  }

  /** Continues the run saved in `dir` (a `last/` folder) with the same optimizer state and position. */
  static async fromCheckpoint(
    dir: string,
    data: TrainingData,
    options: TrainerOptions,
    listener: TrainerListener,
  ): Promise<Trainer> {
    const { model, optimizer, state } = await loadTrainCheckpoint(dir, () => createOptimizer(options.optimizer));
    return new Trainer(model, data, options, listener, optimizer, state);
  }

  get step(): number {
    return this.state.step;
  }

  get trainState(): TrainState {
    return this.state;
  }

  pause(): void {
    this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    const wake = this.paused;
    this.paused = null;
    wake?.();
  }

  /** Stops after the current optimizer step; the last checkpoint is saved first. */
  cancel(): void {
    this.cancelRequested = true;
    this.resume();
  }

  /** Frees the optimizer's slot variables (not the model, which the caller owns). */
  dispose(): void {
    this.optimizer.dispose();
    this.anchor?.dispose();
  }

  private get bestDir(): string | null {
    return this.options.outDir ? path.join(this.options.outDir, BEST_DIR) : null;
  }

  private get lastDir(): string | null {
    return this.options.outDir ? path.join(this.options.outDir, LAST_DIR) : null;
  }

  /** Trains until the limits, early stopping or cancel; resolves with the finished event. */
  async run(): Promise<FinishedEvent> {
    if (this.running) throw new Error('this trainer is already running');
    this.running = true;
    try {
      const threads = checkThreads(this.options.threads);
      if (threads > 1)
        this.pool = await ReplicaPool.start(this.model, { threads, labelSmoothing: this.labelSmoothing });
      return await this.loop();
    } catch (e) {
      this.listener({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      this.running = false;
      const pool = this.pool;
      this.pool = null;
      await pool?.close();
    }
  }

  private async loop(): Promise<FinishedEvent> {
    const o = this.options;
    const accumulate = Math.max(1, o.accumulate);
    // Moved on by every pause, so that neither the budget nor the estimates count time paused.
    let started = this.clock() - this.state.elapsedMs;
    const acc = new GradientAccumulator();
    let microInStep = 0;
    let reportStart = Date.now();
    let micro = NO_MICRO_STATS;
    let reason: FinishReason = 'completed';
    const firstBatches = this.data.trainBatches(this.state.epoch);
    const stepsPerEpoch = Math.ceil(firstBatches.length / accumulate);
    const totalSteps = o.maxSteps > 0 ? Math.min(o.maxSteps, stepsPerEpoch * o.maxEpochs) : stepsPerEpoch * o.maxEpochs;
    const startStep = this.state.step;
    let runStart = this.clock();
    let runWallStart = Date.now();
    // Before this run's first step (a new or a continued run, not a resumed one).
    if (o.evaluateAtStart && this.state.elapsedMs === 0 && this.state.bestMetric === null)
      await this.evaluateAndCheckpoint(true);

    try {
      outer: for (let epoch = this.state.epoch; epoch < o.maxEpochs; epoch++) {
        const batches = epoch === this.state.epoch ? firstBatches : this.data.trainBatches(epoch);
        let epochLoss = 0;
        let epochSteps = 0;
        for (let bi = epoch === this.state.epoch ? this.state.batchInEpoch : 0; bi < batches.length; bi++) {
          if (microInStep === 0) {
            if (this.pauseRequested && !this.cancelRequested) {
              const [clockBefore, wallBefore] = [this.clock(), Date.now()];
              await this.waitWhilePaused();
              const [pausedMs, pausedWallMs] = [this.clock() - clockBefore, Date.now() - wallBefore];
              started += pausedMs;
              runStart += pausedMs;
              runWallStart += pausedWallMs;
              reportStart += pausedWallMs;
            }
            if (this.cancelRequested) {
              reason = 'cancelled';
              break outer;
            }
          }
          micro = await this.addBatch(batches[bi]!, acc, micro);
          microInStep++;
          const endOfEpoch = bi === batches.length - 1;
          if (microInStep >= accumulate || endOfEpoch) {
            microInStep = 0;
            const step = this.state.step + 1;
            // A diverged step is never applied nor saved: last/ keeps the last finite checkpoint.
            checkFiniteLoss(micro.loss / Math.max(1, micro.tokens), step);
            const { learningRate, gradNorm } = this.applyAccumulated(acc, step);
            const now = this.clock();
            const wallNow = Date.now();
            const elapsedMs = now - started;
            this.state = {
              ...this.state,
              step,
              epoch,
              batchInEpoch: bi + 1,
              elapsedMs,
              schedule: this.schedule.state(),
            };
            const loss = micro.loss / Math.max(1, micro.tokens);
            epochLoss += loss;
            epochSteps++;
            this.listener({
              type: 'step',
              step,
              epoch: epoch + 1,
              loss,
              perplexity: Math.exp(micro.nll / Math.max(1, micro.tokens)),
              tokenAccuracy: micro.correct / Math.max(1, micro.tokens),
              learningRate,
              gradNorm,
              tokensPerSecond: (micro.tokens * 1000) / Math.max(1, wallNow - reportStart),
              elapsedMs,
              ...stepProgress({
                step,
                startStep,
                totalSteps,
                budgetMs: o.timeBudgetMs,
                elapsedMs,
                runMs: wallNow - runWallStart,
                runClockMs: now - runStart,
              }),
            });
            micro = NO_MICRO_STATS;
            reportStart = wallNow;
            const stop = await this.afterStep(step, elapsedMs);
            if (stop) {
              if (stop === 'early-stopped' || stop === 'time-budget') reason = stop;
              break outer;
            }
          }
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        this.state = { ...this.state, epoch: epoch + 1, batchInEpoch: 0 };
        this.listener({
          type: 'epoch',
          epoch: epoch + 1,
          step: this.state.step,
          meanLoss: epochLoss / Math.max(1, epochSteps),
        });
        if (!(o.evalEvery > 0) && (await this.evaluateAndCheckpoint())) {
          reason = 'early-stopped';
          break;
        }
      }
    } finally {
      acc.dispose();
    }
    return this.finish(reason, started);
  }

  /** One batch's gradients into the accumulator (one share per replica, weighted by its target tokens). */
  private async addBatch(batch: Batch, acc: GradientAccumulator, micro: MicroStats): Promise<MicroStats> {
    let m = micro;
    for (const r of await this.gradients(batch)) {
      acc.add(r.grads, r.tokens);
      m = {
        loss: m.loss + r.loss * r.tokens,
        nll: m.nll + r.nll * r.tokens,
        correct: m.correct + r.correct,
        tokens: m.tokens + r.tokens,
      };
    }
    return m;
  }

  /** The optimizer step on the accumulated gradients: schedule, weight decay, anchor, clipping. */
  private applyAccumulated(acc: GradientAccumulator, step: number): { learningRate: number; gradNorm: number } {
    const o = this.options;
    const learningRate = this.schedule.rate(step) * rewarmFactor(step, this.state.rewarmFrom, o.rewarmSteps);
    setLearningRate(this.optimizer, learningRate);
    let grads = acc.take();
    grads = addWeightDecay(grads, this.model.variables, o.weightDecay);
    if (this.anchor) grads = this.anchor.pull(grads, this.model.variables, o.l2sp);
    const clipped = clipByGlobalNorm(grads, o.clipNorm);
    checkFiniteLoss(clipped.norm, step, 'gradient');
    applyGradients(this.optimizer, this.model.variables, clipped.grads);
    this.afterUpdate?.(step);
    this.pool?.publish();
    return { learningRate, gradNorm: clipped.norm };
  }

  /**
   * After an optimizer step: evaluates when due, and says whether the run ends here
   * (early stopping, the step limit, or the time budget, evaluated once more if not just done).
   */
  private async afterStep(step: number, elapsedMs: number): Promise<'early-stopped' | 'limit' | 'time-budget' | null> {
    const o = this.options;
    const evalDue = o.evalEvery > 0 && step % o.evalEvery === 0;
    const before = this.clock();
    if (evalDue && (await this.evaluateAndCheckpoint())) return 'early-stopped';
    if (o.maxSteps > 0 && step >= o.maxSteps) return 'limit';
    // The time budget holds the last evaluation too: the run stops once another evaluation (as
    // long as the last one took) would no longer end within it, evaluating now unless it just did.
    const now = elapsedMs + (this.clock() - before);
    if (o.timeBudgetMs > 0 && now + this.lastEvaluationMs >= o.timeBudgetMs) {
      if (!evalDue) await this.evaluateAndCheckpoint();
      return 'time-budget';
    }
    return null;
  }

  /** Saves last/ and reports the end of the run. */
  private async finish(reason: FinishReason, started: number): Promise<FinishedEvent> {
    this.state = { ...this.state, elapsedMs: this.clock() - started };
    await this.saveLast();
    const finished: FinishedEvent = {
      type: 'finished',
      reason,
      step: this.state.step,
      epoch: this.state.epoch,
      bestMetric: this.state.bestMetric,
      bestDir: this.bestDir && this.state.bestMetric !== null ? this.bestDir : null,
      elapsedMs: this.state.elapsedMs,
    };
    this.listener(finished);
    return finished;
  }

  private waitWhilePaused(): Promise<void> {
    this.listener({ type: 'paused', step: this.state.step });
    return new Promise<void>((resolve) => {
      this.paused = () => {
        this.listener({ type: 'resumed', step: this.state.step });
        resolve();
      };
      if (!this.pauseRequested) this.resume();
    });
  }

  private get labelSmoothing(): number {
    return this.options.labelSmoothing;
  }

  /** Gradients of one micro-batch: one share on this thread, or one per data-parallel replica. */
  private async gradients(batch: Batch): Promise<ShareGradients[]> {
    if (this.options.objective === 'mrt')
      return [mrtBatchGradients(this.model, batch, (ids) => this.data.detokenize(ids), mrtOptions(this.options.mrt))];
    return this.pool ? this.pool.gradients(batch) : [batchGradients(this.model, batch, this.labelSmoothing)];
  }

  /** Evaluates, updates early stopping and checkpoints; true when training should stop. */
  private async evaluateAndCheckpoint(reference = false): Promise<boolean> {
    const started = this.clock();
    try {
      return await this.evaluateAndCheckpointNow(reference);
    } finally {
      this.lastEvaluationMs = this.clock() - started;
    }
  }

  private async evaluateAndCheckpointNow(reference: boolean): Promise<boolean> {
    const o = this.options;
    const metric = o.stopMetric;
    await this.pool?.verify(this.state.step);
    const result = evaluateModel(
      this.model,
      this.data.validBatches,
      this.data.validExamples,
      (ids) => this.data.detokenize(ids),
      {
        limit: o.evalLimit,
        beamSize: o.evalBeam,
        samples: o.samples,
      },
    );
    this.schedule.observe(result.loss);
    const value = result[metric];
    const best = this.state.bestMetric;
    const improved =
      Number.isFinite(value) && (best === null || (higherIsBetter(metric) ? value > best : value < best));
    this.state = {
      ...this.state,
      bestMetric: improved ? value : best,
      evaluationsWithoutImprovement: improved ? 0 : this.state.evaluationsWithoutImprovement + 1,
      schedule: this.schedule.state(),
    };
    const event: EvaluationEvent = {
      ...result,
      type: 'evaluation',
      step: this.state.step,
      epoch: this.state.epoch + (this.state.batchInEpoch > 0 ? 1 : 0),
      improved,
      evaluationsWithoutImprovement: this.state.evaluationsWithoutImprovement,
      ...(reference ? { reference: true } : {}),
    };
    this.listener(event);
    const metrics = {
      loss: result.loss,
      perplexity: result.perplexity,
      bleu: result.bleu,
      sentenceBleu: result.sentenceBleu,
      exactMatch: result.exactMatch,
    };
    if (improved && this.bestDir) {
      await saveTrainCheckpoint(
        this.bestDir,
        this.model,
        this.optimizer,
        this.state,
        { ...o.meta, metrics, step: this.state.step },
        { ...o.extraFiles },
      );
      this.listener({ type: 'checkpoint', kind: 'best', dir: this.bestDir, step: this.state.step });
    }
    await this.saveLast(metrics);
    const patience = o.patience;
    return patience > 0 && this.state.evaluationsWithoutImprovement >= patience;
  }

  private async saveLast(metrics?: Record<string, number>): Promise<void> {
    const dir = this.lastDir;
    if (!dir) return;
    const meta = { ...this.options.meta, step: this.state.step, ...(metrics ? { metrics } : {}) };
    await saveTrainCheckpoint(dir, this.model, this.optimizer, this.state, meta, { ...this.options.extraFiles });
    this.listener({ type: 'checkpoint', kind: 'last', dir, step: this.state.step });
  }
}
