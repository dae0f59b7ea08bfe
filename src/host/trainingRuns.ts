/**
 * One training run in the worker, for Fine-tune on Workspace (src/commands/trainingCommands.ts)
 * and the workspace's idle-time learning (src/host/learning.ts). A run starts from the active
 * model (its tokenizer reused), reports to the dashboard and the status bar, and ends with the
 * best checkpoint imported as a new model. Stop in the dashboard, the progress notification and
 * the command all go through one cancel path, which keeps the last good checkpoint. Only one run
 * at a time: the guard here is taken before mining, so a second start is refused at once, and the
 * run folder's lock (src/modelFolder/runLock.ts) keeps another window out of it. Learning runs take the
 * same path through `learnInBackground`, without opening the dashboard, a progress notification
 * or an offer: their caller hears the result, and only a model the guard let through is imported.
 * A fine-tune the user asks for while a learning run is in progress stops it, when the user agrees
 * (`userRun`).
 */
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from './context';
import type { ActiveModel } from './activeModel';
import type { EngineHost, TrainFinished, TrainingListener } from './engineHost';
import { eventLoopDelayText, measureEventLoopDelay } from './eventLoopDelay';
import { markRunEnded, readRunRecord, writeRunRecord } from './interruptedRuns';
import type { ModelEntry } from './modelStore';
import { RunGuard, stopLearningRun } from './runGuard';
import { stepSummary, toDashboardEvents } from './trainingAdapter';
import { acquireRunLock, RunFolderBusyError, type RunLock } from '../modelFolder/runLock';
import type { GuardResult } from '../training/guard';
import { FINE_TUNE_TRAINING } from '../training/trainingDefaults';
import type { TrainConfigFile } from '../training/trainConfigFile';
import type { TrainStartParams } from '../worker/protocol';
import type { DashboardFeed } from '../webviews/dashboard/feed';
import { checkingVerdict, guardVerdict } from '../webviews/dashboard/verdict';
import { COMMANDS } from './commandIds';

export interface TrainingServices {
  readonly engine: EngineHost;
  readonly active: ActiveModel;
  readonly feed: () => DashboardFeed;
}

const guard = new RunGuard();

/** What one training run needs: where its data and checkpoints are, and whether it resumes. */
export interface RunPlan {
  readonly runId: string;
  readonly corpus: string;
  readonly config: TrainConfigFile;
  readonly summary: Record<string, string | number>;
  readonly base: ModelEntry | undefined;
  readonly resume: boolean;
  /** A learning run (src/host/learning.ts): no dashboard, notification or offer of its own. */
  readonly background?: BackgroundRun;
}

/** What a background learning run adds to a plan: its own splits, and who hears how it ended. */
export interface BackgroundRun {
  readonly validCorpus: string;
  readonly testCorpus: string;
  /** Instead of offering the model: the worker's result (none when it failed) and the model imported, if any. */
  readonly onResult: (finished: TrainFinished | undefined, outcome: RunOutcome | undefined) => Promise<void>;
}

/** Whether a fine-tune or a learning run is in progress in this window. */
export function trainingInProgress(): boolean {
  return guard.running;
}

/**
 * A learning run (src/host/learning.ts) through the same path as Fine-tune on Workspace: the same
 * one-run guard, worker job, held-out guard and import; false when another run is in progress.
 */
export function learnInBackground(
  ctx: Seq2SeqContext,
  services: TrainingServices,
  plan: Omit<RunPlan, 'resume' | 'background'> & { readonly background: BackgroundRun },
): Promise<boolean> {
  return guard.run(
    'learning',
    () => train(ctx, services, { ...plan, resume: false }).then(() => true),
    () => false,
  );
}

const STOP_LEARNING = 'Stop learning and fine-tune';

/**
 * Runs `body`, a fine-tune the user asked for, as the one training run in this window; `onBusy()`
 * when another fine-tune is in progress. A learning run in progress gives way when the user
 * agrees: it is stopped without the guard's verdict (its model is not installed, unless the guard
 * was already judging it), and `body` starts once it has ended and recorded itself.
 */
export async function userRun(
  services: TrainingServices,
  body: () => Promise<void>,
  onBusy: () => void,
): Promise<void> {
  if (guard.kind === 'learning') {
    const answer = await vscode.window.showInformationMessage(
      'Seq2Seq: the model is learning this workspace in the background. Stop learning and fine-tune now?',
      { modal: true },
      STOP_LEARNING,
    );
    if (answer !== STOP_LEARNING) return;
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: stopping the learning run' },
      () => stopLearningRun(guard, () => services.engine.cancelTraining({ skipGuard: true })),
    );
  }
  return guard.run('fine-tune', body, onBusy);
}

/** A training run's folder: its checkpoints, record and lock (the dashboard's history sits beside it). */
export function runFolder(ctx: Seq2SeqContext, runId: string): string {
  return path.join(ctx.extension.globalStorageUri.fsPath, 'runs', runId);
}

/** 2. Trains in the worker; the dashboard and the status bar listen to the same events. */
export async function train(ctx: Seq2SeqContext, services: TrainingServices, plan: RunPlan): Promise<void> {
  const feed = services.feed();
  const outDir = runFolder(ctx, plan.runId);
  // The run folder's lock (src/modelFolder/runLock.ts): another window resuming the same run is refused.
  let lock: RunLock;
  try {
    lock = acquireRunLock(outDir, 'Fine-tune on Workspace');
  } catch (e) {
    if (!(e instanceof RunFolderBusyError)) throw e;
    void vscode.window.showWarningMessage(`Seq2Seq: cannot fine-tune: ${e.message}`);
    return;
  }
  try {
    await trainOwned(ctx, services, plan, feed, outDir);
  } finally {
    lock.release();
  }
}

async function trainOwned(
  ctx: Seq2SeqContext,
  services: TrainingServices,
  plan: RunPlan,
  feed: DashboardFeed,
  outDir: string,
): Promise<void> {
  const { engine } = services;
  claimRun(outDir, plan);
  const ready = await engine.whenReady();
  void vscode.commands.executeCommand('setContext', 'seq2seq.training', true);
  const cancel = (): void => {
    feed.push({ type: 'status', status: 'stopping' });
    void engine.cancelTraining();
  };
  feed.setControl({
    stop: cancel,
    pause: () => void engine.pauseTraining(),
    resume: () => void engine.resumeTraining(),
  });
  const report = progressReport(ctx, feed, plan, ready.backend);
  if (!plan.background) void vscode.commands.executeCommand(COMMANDS.showDashboard);
  let outcome: RunOutcome | undefined;
  let result: TrainFinished | undefined;
  // Training runs in worker threads: the editor's own event loop should barely notice it.
  const loopDelay = measureEventLoopDelay();
  try {
    const finished = await runWithProgress(engine, plan, outDir, report, cancel);
    result = finished;
    // The verdict stays in the dashboard's header (and the run's history) until the next run.
    if (finished.guard) feed.push({ type: 'verdict', verdict: guardVerdict(finished.guard) });
    // A learning run installs only what its guard let through; none judged a run stopped for a fine-tune.
    if (!plan.background || finished.guard) outcome = await importResult(ctx, services, plan.runId, outDir, finished);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    feed.push({ type: 'error', message: msg });
    ctx.log.error(`fine-tune: ${msg}`);
    void vscode.window.showErrorMessage(`Seq2Seq: fine-tuning failed: ${msg}`);
  } finally {
    ctx.log.info(eventLoopDelayText('fine-tune', loopDelay.stop()));
    // Ended here, whatever the outcome: only a reload or a crash leaves a run to resume.
    markRunEnded(outDir);
    feed.setControl(undefined);
    ctx.statusBar.update({ training: undefined });
    void vscode.commands.executeCommand('setContext', 'seq2seq.training', false);
  }
  if (plan.background) await plan.background.onResult(result, outcome);
  else if (outcome) await offerOutcome(services, outcome);
}

/** A run whose result was imported as a model. */
export interface RunOutcome {
  readonly entry: ModelEntry;
  readonly reason: string;
  readonly step: number;
  readonly guard?: GuardResult;
}

/**
 * Writes the run's record. It names this process as the run's owner (again, when resuming), so
 * no other window offers it for resume while it runs.
 */
function claimRun(outDir: string, plan: RunPlan): void {
  const { runId, config, base } = plan;
  writeRunRecord(outDir, {
    ...(plan.resume ? readRunRecord(outDir) : {}),
    id: runId,
    startedAt: plan.resume ? (readRunRecord(outDir)?.startedAt ?? new Date().toISOString()) : new Date().toISOString(),
    pid: process.pid,
    host: os.hostname(),
    corpus: plan.corpus,
    config,
    ...(base && !base.bundled ? { baseId: base.id } : {}),
  });
}

/** Feeds the worker's training events to the dashboard and the status bar. */
function progressReport(ctx: Seq2SeqContext, feed: DashboardFeed, plan: RunPlan, backend: string): TrainingListener {
  const { runId, config, summary, base } = plan;
  return {
    started: (s) =>
      feed.push({
        type: 'runStarted',
        run: {
          id: runId,
          startedAt: Date.now(),
          backend,
          modelSize: s.parameters,
          hyperparameters: { ...summary, trainPairs: s.trainPairs, validPairs: s.validPairs, vocab: s.vocabSize },
          totalSteps:
            config.training?.maxSteps ?? s.trainBatches * (config.training?.maxEpochs ?? FINE_TUNE_TRAINING.maxEpochs),
          ...(config.training?.maxEpochs ? { totalEpochs: config.training.maxEpochs } : {}),
          name: `${plan.resume ? 'resumed ' : ''}${plan.background ? 'learning run' : 'fine-tune'} of ${base ? (base.bundled ? 'default' : base.id) : 'a model'}`,
        },
      }),
    progress: (e) => {
      for (const d of toDashboardEvents(e)) {
        feed.push(d);
        // The guard runs next: until it decides, the run is not a success yet.
        if (d.type === 'finished' && base) feed.push({ type: 'verdict', verdict: checkingVerdict(baseNameOf(base)) });
      }
      if (e.type === 'step') ctx.statusBar.update({ training: stepSummary(e.step, e.progress, e.loss) });
    },
  };
}

/** How messages and the dashboard name the model a run started from. */
function baseNameOf(base: ModelEntry): string {
  return base.bundled ? 'the bundled model' : `"${base.id}"`;
}

/**
 * Runs the training job in the worker, `report` hearing its events; a fine-tune (not a learning
 * run) under a cancellable progress notification.
 */
function runWithProgress(
  engine: EngineHost,
  plan: RunPlan,
  outDir: string,
  report: TrainingListener,
  cancel: () => void,
): Thenable<TrainFinished> {
  const { base, background } = plan;
  const baseName = base ? baseNameOf(base) : undefined;
  const params: TrainStartParams = {
    corpus: plan.corpus,
    ...(background ? { validCorpus: background.validCorpus, testCorpus: background.testCorpus } : {}),
    outDir,
    config: plan.config,
    // The host holds the run folder's lock: leftovers of a crashed save there are orphans.
    ownsOutDir: true,
    ...(plan.resume ? { resume: true } : {}),
    ...(base && baseName !== undefined ? { initModel: base.dir, guardBaseName: baseName } : {}),
  };
  if (background) return engine.startTraining(params, report);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: fine-tuning', cancellable: true },
    async (progress, token) => {
      const sub = token.onCancellationRequested(cancel);
      try {
        return await engine.startTraining(params, {
          ...report,
          progress: (e) => {
            report.progress?.(e);
            if (e.type === 'step') progress.report({ message: stepSummary(e.step, e.progress, e.loss) });
          },
        });
      } finally {
        sub.dispose();
      }
    },
  );
}

/**
 * Imports the run's best checkpoint as a new model, unless the guard found it no better than the
 * model it started from: then nothing is imported and the base stays active.
 */
async function importResult(
  ctx: Seq2SeqContext,
  services: TrainingServices,
  runId: string,
  outDir: string,
  finished: TrainFinished,
): Promise<RunOutcome | undefined> {
  if (finished.guard && !finished.guard.better) {
    ctx.log.info(`fine-tune: ${finished.guard.message}`);
    // Not modal; the dashboard's header keeps the verdict with both scores after the toast hides.
    void vscode.window
      .showWarningMessage(`Seq2Seq: ${finished.guard.message}`, 'Show Dashboard')
      .then((a) => (a ? vscode.commands.executeCommand(COMMANDS.showDashboard) : undefined));
    return undefined;
  }
  const best = finished.bestDir ?? path.join(outDir, 'last');
  const entry = await services.active.store.import(
    best,
    (dir) => services.engine.validateModel(dir),
    `workspace-${runId.slice(0, 10)}`,
  );
  return {
    entry,
    reason: finished.reason,
    step: finished.step,
    ...(finished.guard ? { guard: finished.guard } : {}),
  };
}

/** Says how the run ended and offers to switch to the new model. */
async function offerOutcome(services: TrainingServices, outcome: RunOutcome): Promise<void> {
  const use = await vscode.window.showInformationMessage(
    `Seq2Seq: fine-tuning ${outcome.reason} after ${outcome.step} steps; saved as "${outcome.entry.id}".${outcome.guard ? ` ${outcome.guard.message}` : ''}`,
    'Use it now',
  );
  if (use) await services.active.set(outcome.entry.id);
}
