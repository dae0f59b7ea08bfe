/**
 * The workspace's model learning by itself. Every few seconds it checks (src/learning/policy.ts)
 * whether there is something new to learn — kept or corrected summaries since the last run, or
 * documented functions the workspace index gained — and whether a run may start: the setting
 * (`seq2seq.learning.mode`: on, ask first, off), a trusted workspace, no other training in this
 * window, not on battery where that can be told (src/host/power.ts), and no typing for
 * `seq2seq.learning.idleSeconds`. A run mines the workspace in the worker (no notification),
 * splits it by file with the corrections and the files the current model learned in earlier runs
 * (the history's `lineageTrainedFiles`) moved to training, the corrections weighted (src/learning/
 * learningCorpus.ts), and fine-tunes through Fine-tune on Workspace's own path
 * (`learnInBackground`: the same worker job, the same held-out guard with its margin) on
 * `seq2seq.learning.threads` threads for `seq2seq.learning.minutes` of their CPU time
 * (`learningBudget`). A keystroke pauses it (the worker's trainer stops before its next step; time
 * paused is not counted) and it resumes after the idle time again. The guard's verdict goes to the
 * status bar, a message and the workspace's learning history, where any earlier model can be
 * returned to.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from './context';
import { readCorpus, writeCorpus } from '../mining/dataset';
import { learningSplits, type LearningSplits } from '../learning/learningCorpus';
import { resolveThreads } from '../training/threads';
import { learnableCount } from '../learning/corrections';
import {
  historyText,
  IdlePauser,
  learnedModelsToPrune,
  LearningHistory,
  learningBudget,
  lineageTrainedFiles,
  somethingToLearn,
  startBlocker,
  type HistoryEntry,
  type LearningInputs,
} from '../learning/policy';
import {
  learnInBackground,
  runFolder,
  trainingInProgress,
  type RunOutcome,
  type TrainingServices,
} from './trainingRuns';
import type { TrainFinished } from './engineHost';
import { COMMANDS } from './commandIds';
import type { CorrectionRecorder } from './corrections';
import { onBattery } from './power';
import { corpusSettings, learningSettings, setLearningMode, trainingSettings } from './settings';
import type { WorkspaceIndexHost } from './workspaceIndex';

/** How often the conditions are checked. */
const CHECK_MS = 15_000;

/** The history's words for a run that ended without the guard's verdict (none ran: nothing installed). */
function unjudged(reason: TrainFinished['reason']): string {
  return reason === 'cancelled'
    ? 'stopped before the guard judged it; kept the current model'
    : `ended (${reason}) without a verdict`;
}

export class WorkspaceLearner implements vscode.Disposable {
  private lastKeystroke = Date.now();
  private pauser: IdlePauser | undefined;
  private running = false;
  /** The inputs the user last said "not now" to: asked again only when there is more. */
  private declined: LearningInputs | undefined;
  private asking = false;
  private readonly subs: vscode.Disposable[];
  readonly history: LearningHistory | undefined;

  constructor(
    private readonly ctx: Seq2SeqContext,
    private readonly services: TrainingServices,
    private readonly recorder: CorrectionRecorder,
    private readonly index: WorkspaceIndexHost,
    private readonly storage: vscode.Uri | undefined,
  ) {
    this.history = storage ? new LearningHistory(storage.fsPath) : undefined;
    const timer = setInterval(() => void this.check(), CHECK_MS);
    this.subs = [
      { dispose: () => clearInterval(timer) },
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        this.lastKeystroke = Date.now();
        this.pauser?.keystroke();
      }),
    ];
    const last = this.history?.list().at(-1);
    if (last) this.ctx.statusBar.update({ learned: historyText(last) });
  }

  /** What there is to learn from now. */
  private inputs(): LearningInputs {
    const corrections = this.recorder.store ? learnableCount(this.recorder.store.list()) : 0;
    return { corrections, documented: this.index.documentedCount() ?? 0 };
  }

  /** The periodic check: starts (or asks to start) a run when all conditions hold. */
  async check(): Promise<void> {
    if (this.running || this.asking || !this.history) return;
    const s = learningSettings();
    if (s.mode === 'off' || !vscode.workspace.isTrusted) return;
    const now = this.inputs();
    const reason = somethingToLearn(now, this.history.lastInputs(), s.afterCorrections);
    if (!reason || (this.declined && !somethingToLearn(now, this.declined, s.afterCorrections))) return;
    const blocker = startBlocker({
      mode: s.mode,
      trusted: vscode.workspace.isTrusted,
      idleMs: Date.now() - this.lastKeystroke,
      idleSeconds: s.idleSeconds,
      training: trainingInProgress(),
      onBattery: await onBattery(),
    });
    if (blocker) return;
    if (s.mode === 'ask') {
      this.asking = true;
      try {
        const a = await vscode.window.showInformationMessage(
          `Seq2Seq: the model can learn this workspace (${reason}) while you are away from the keyboard: ${s.threads} thread${s.threads === 1 ? '' : 's'} for at most ${s.minutes} minutes of computing, paused when you type, and used only if it beats the current model on held-out functions.`,
          'Learn now',
          'Always',
          'Not now',
          'Never',
        );
        if (a === 'Always' || a === 'Never') await setLearningMode(a === 'Always' ? 'on' : 'off');
        if (a !== 'Learn now' && a !== 'Always') {
          this.declined = now;
          return;
        }
      } finally {
        this.asking = false;
      }
    }
    await this.run(reason);
  }

  /** Learn from This Workspace Now: a run whatever the idle time and the counts (not the trust). */
  learnNow() {
    return async (): Promise<void> => {
      if (!vscode.workspace.isTrusted || !this.history) {
        void vscode.window.showWarningMessage(
          'Seq2Seq: learning needs a trusted workspace with a folder open (it reads every file of it).',
        );
        return;
      }
      if (this.running || trainingInProgress()) {
        void vscode.window.showInformationMessage('Seq2Seq: a training run is already in progress.');
        return;
      }
      await this.run('asked for');
    };
  }

  private async run(reason: string): Promise<void> {
    if (!this.storage || !this.history) return;
    this.running = true;
    const history = this.history;
    const settings = learningSettings();
    const runId = `learn-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const dir = path.join(this.storage.fsPath, 'learning', runId);
    const startedAt = new Date().toISOString();
    const base = this.services.active.current();
    const inputs = this.inputs();
    const entry = (rest: Partial<HistoryEntry> & Pick<HistoryEntry, 'message'>): HistoryEntry => ({
      id: runId,
      startedAt,
      endedAt: new Date().toISOString(),
      reason,
      corrections: inputs.corrections,
      minedPairs: 0,
      documented: inputs.documented,
      previousModel: base?.id ?? 'default',
      ...rest,
    });
    this.ctx.statusBar.update({ learning: 'reading the workspace' });
    try {
      const engine = this.services.engine;
      const mined = await engine.mine({
        roots: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
        ...corpusSettings(),
        out: path.join(dir, 'mined.jsonl'),
      });
      const corrections = this.recorder.store?.list() ?? [];
      const learned = lineageTrainedFiles(history.list(), base?.id);
      const splits = learningSplits(await readCorpus(mined.corpus), corrections, learned);
      if (splits.tooFew) {
        history.add(entry({ message: splits.tooFew }));
        return;
      }
      fs.mkdirSync(dir, { recursive: true });
      const files = {
        train: path.join(dir, 'train.jsonl'),
        valid: path.join(dir, 'valid.jsonl'),
        test: path.join(dir, 'test.jsonl'),
      };
      writeCorpus(files.train, splits.train);
      writeCorpus(files.valid, splits.valid);
      writeCorpus(files.test, splits.test);
      const { config, summary } = trainingSettings(null);
      const threads = resolveThreads(settings.threads, os.availableParallelism());
      const learning = `learning from ${splits.corrections} of your comments and ${mined.pairs} documented functions`;
      this.ctx.statusBar.update({ learning });
      const heldOutComments = splits.heldOutCorrections
        ? ` (${splits.heldOutCorrections} of your comments among them, for a later run to learn)`
        : '';
      this.ctx.log.info(`learning: ${reason}; ${learning}; ${splits.test.length} held out${heldOutComments}`);
      this.pauser = new IdlePauser(
        {
          pause: () => {
            this.ctx.statusBar.update({ learning: 'paused while you type' });
            void engine.pauseTraining();
          },
          resume: () => {
            this.ctx.statusBar.update({ learning });
            void engine.resumeTraining();
          },
        },
        settings.idleSeconds * 1000,
      );
      const started = await learnInBackground(this.ctx, this.services, {
        runId,
        corpus: files.train,
        config: { ...config, training: { ...config.training, threads, ...learningBudget(settings.minutes, threads) } },
        summary: {
          ...summary,
          threads,
          budget: `${settings.minutes} min of CPU time per thread`,
          learning: reason,
        },
        base,
        background: {
          validCorpus: files.valid,
          testCorpus: files.test,
          onResult: (finished, outcome) => this.finished(history, entry, splits, mined.pairs, finished, outcome),
        },
      });
      if (!started) this.ctx.log.info('learning: another training run started first; trying later');
      // The run has ended and its model (if any) is in the store: its checkpoints can go.
      else fs.rmSync(runFolder(this.ctx, runId), { recursive: true, force: true });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.ctx.log.error(`learning: ${message}`);
      history.add(entry({ message: `failed: ${message}` }));
    } finally {
      // The run's data (mined pairs, splits) whatever happened: a run that never started, or found
      // too few functions, or failed, leaves nothing behind either.
      fs.rmSync(dir, { recursive: true, force: true });
      this.pauser?.dispose();
      this.pauser = undefined;
      this.running = false;
      this.ctx.statusBar.update({ learning: undefined });
    }
  }

  /** Records the run, installs a model the guard let through, and says so. */
  private async finished(
    history: LearningHistory,
    entry: (rest: Partial<HistoryEntry> & Pick<HistoryEntry, 'message'>) => HistoryEntry,
    splits: Pick<LearningSplits, 'corrections' | 'heldOutCorrections' | 'trainedFiles'>,
    minedPairs: number,
    finished: TrainFinished | undefined,
    outcome: RunOutcome | undefined,
  ): Promise<void> {
    const guard = finished?.guard;
    const e = entry({
      corrections: splits.corrections,
      ...(splits.heldOutCorrections ? { heldOutCorrections: splits.heldOutCorrections } : {}),
      minedPairs,
      message: guard?.message ?? (finished ? unjudged(finished.reason) : 'failed'),
      ...(guard
        ? {
            chrf: { base: guard.base.chrf, tuned: guard.tuned.chrf },
            sentenceBleu: { base: guard.base.sentenceBleu, tuned: guard.tuned.sentenceBleu },
            heldOut: guard.tuned.pairs,
            ...(guard.margin ? { margin: guard.margin } : {}),
          }
        : {}),
      ...(outcome ? { installedModel: outcome.entry.id, trainedFiles: splits.trainedFiles } : {}),
    });
    history.add(e);
    if (outcome) await this.services.active.set(outcome.entry.id);
    this.pruneLearnedModels(history);
    const text = historyText(e);
    this.ctx.statusBar.update({ learned: text });
    // In the status bar's words for a minute; its tooltip keeps it.
    vscode.window.setStatusBarMessage(`$(mortar-board) Seq2Seq ${text}`, 60_000);
    if (outcome)
      void vscode.window
        .showInformationMessage(
          `Seq2Seq: ${text}. ${guard?.message ?? ''}`,
          'Show History',
          'Return to the previous model',
        )
        .then((a) => {
          if (a === 'Show History') void vscode.commands.executeCommand(COMMANDS.showLearningHistory);
          if (a === 'Return to the previous model') void this.returnTo(e.previousModel);
        });
  }

  /** Removes the models of older learning runs (learnedModelsToPrune says which). */
  private pruneLearnedModels(history: LearningHistory): void {
    const store = this.services.active.store;
    for (const id of learnedModelsToPrune(history.list(), this.services.active.current()?.id))
      try {
        if (store.get(id)) store.delete(id);
      } catch (e) {
        this.ctx.log.warn(
          `learning: could not remove the older model "${id}": ${e instanceof Error ? e.message : String(e)}`,
        );
      }
  }

  private async returnTo(id: string): Promise<void> {
    if (!this.services.active.store.get(id)) {
      void vscode.window.showWarningMessage(`Seq2Seq: the model "${id}" is no longer installed.`);
      return;
    }
    await this.services.active.set(id);
    void vscode.window.showInformationMessage(`Seq2Seq: using "${id}" again.`);
  }

  /** Show Learning History: one entry per run; picking one returns to the model before or after it. */
  showHistory() {
    return async (): Promise<void> => {
      const entries = this.history?.list() ?? [];
      if (entries.length === 0) {
        void vscode.window.showInformationMessage('Seq2Seq: the model has not learned from this workspace yet.');
        return;
      }
      const current = this.services.active.current()?.id;
      type Item = vscode.QuickPickItem & { model?: string };
      const items: Item[] = [];
      for (const e of [...entries].reverse()) {
        items.push({ label: new Date(e.endedAt).toLocaleString(), kind: vscode.QuickPickItemKind.Separator });
        items.push({ label: `$(mortar-board) ${historyText(e)}`, detail: `${e.reason}: ${e.message}` });
        for (const model of [e.installedModel, e.previousModel])
          if (model)
            items.push({
              label: `$(history) Use "${model}"`,
              description: `${model === e.installedModel ? 'the model this run made' : 'the model before this run'}${model === current ? ' (in use)' : ''}`,
              model,
            });
      }
      items.push({ label: '$(graph) Show Training Dashboard', model: '' });
      const pick = await vscode.window.showQuickPick(items, { title: 'Seq2Seq: learning history of this workspace' });
      if (pick?.model === '') void vscode.commands.executeCommand(COMMANDS.showDashboard);
      else if (pick?.model) await this.returnTo(pick.model);
    };
  }

  dispose(): void {
    this.subs.forEach((s) => s.dispose());
    this.pauser?.dispose();
  }
}
