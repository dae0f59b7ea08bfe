/**
 * Fine-tune on Workspace, Stop Training and Show Training Dashboard. Fine-tuning mines the
 * workspace in the worker (`.gitignore`, `files.exclude` and the `seq2seq.corpus.*` globs
 * honoured), shows the pairs per language and asks before training; the run itself
 * (src/host/trainingRuns.ts) trains from the active model in the worker, reports to the
 * dashboard and the status bar, and ends with the best checkpoint imported as a new model. Only
 * one run at a time: the guard is taken before mining, so a second start is refused at once; a
 * learning run in progress is stopped first, when the user agrees (`userRun`). A
 * run a reload or crash interrupted is offered for resume (from its `last/`) or discard on the
 * next start of the extension.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import { discardRun, findInterruptedRuns, type InterruptedRun } from '../host/interruptedRuns';
import { requireTrust } from '../host/trust';
import { trainingSettings } from '../host/settings';
import { train, trainingInProgress, userRun, type TrainingServices } from '../host/trainingRuns';
import { mineWorkspace, perLanguageSummary } from './workspaceCorpus';
import { DashboardPanel } from '../webviews/dashboard/panel';
import { COMMANDS } from '../host/commandIds';

/** Fewer pairs than this cannot fine-tune anything useful. */
export const MIN_PAIRS = 20;

function refuseSecondRun(): void {
  void vscode.window
    .showInformationMessage('Seq2Seq: a fine-tuning run is already in progress.', 'Show Dashboard')
    .then((a) => a && vscode.commands.executeCommand(COMMANDS.showDashboard));
}

/** What Fine-tune offers: a time budget, or training until validation loss stops improving. */
export const BUDGETS: readonly { readonly label: string; readonly minutes: number | null }[] = [
  { label: '5 minutes', minutes: 5 },
  { label: '15 minutes', minutes: 15 },
  { label: '30 minutes', minutes: 30 },
  { label: 'Until it stops improving', minutes: null },
];

export function fineTune(ctx: Seq2SeqContext, services: TrainingServices) {
  return (): Promise<void> => userRun(services, () => mineAndTrain(ctx, services), refuseSecondRun);
}

async function mineAndTrain(ctx: Seq2SeqContext, services: TrainingServices): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) {
    void vscode.window.showInformationMessage('Seq2Seq: open a folder to fine-tune on its code.');
    return;
  }
  if (!requireTrust('Fine-tuning')) return;
  const base = services.active.current();
  const storage = ctx.extension.globalStorageUri.fsPath;
  const runId = new Date().toISOString().replace(/[:.]/g, '-');

  // 1. Mine, in the worker, with a cancellable progress notification.
  const mined = await mineWorkspace(services.engine, path.join(storage, 'runs', runId, 'corpus.jsonl'));
  if (!mined) return;
  const perLanguage = perLanguageSummary(mined.perLanguage);
  if (mined.pairs < MIN_PAIRS) {
    void vscode.window.showWarningMessage(
      `Seq2Seq: only ${mined.pairs} documented functions found in ${mined.files} files (${perLanguage || 'none'}); fine-tuning needs at least ${MIN_PAIRS}. Check the seq2seq.corpus.include/exclude settings.`,
    );
    return;
  }
  const answer = await vscode.window.showInformationMessage(
    `Seq2Seq: found ${mined.pairs} documented functions in ${mined.files} files (${perLanguage}). Fine-tune ${base ? `"${base.bundled ? 'default' : base.id}"` : 'a new model'} on them? Choose how long it may train; it stops earlier when it stops improving, then takes a minute or two to score it against the base model on held-out functions.`,
    { modal: true },
    ...BUDGETS.map((b) => b.label),
  );
  const budget = BUDGETS.find((b) => b.label === answer);
  if (!budget) return;
  const { config, summary } = trainingSettings(budget.minutes);
  await train(ctx, services, { runId, corpus: mined.corpus, config, summary, base, resume: false });
}

/**
 * Offers each fine-tune a reload or crash interrupted: resume it from its last checkpoint, or
 * discard its folder. Called once, a little after activation.
 */
export async function offerInterruptedRuns(ctx: Seq2SeqContext, services: TrainingServices): Promise<void> {
  const runs = findInterruptedRuns(path.join(ctx.extension.globalStorageUri.fsPath, 'runs'));
  for (const run of runs) await offerRun(ctx, services, run);
}

async function offerRun(ctx: Seq2SeqContext, services: TrainingServices, run: InterruptedRun): Promise<void> {
  const started = new Date(run.record.startedAt).toLocaleString();
  if (run.step === null) {
    const a = await vscode.window.showInformationMessage(
      `Seq2Seq: a fine-tune started ${started} was interrupted before its first checkpoint; nothing can be resumed.`,
      'Discard',
    );
    if (a === 'Discard') discardRun(run);
    return;
  }
  const a = await vscode.window.showInformationMessage(
    `Seq2Seq: a fine-tune started ${started} was interrupted at step ${run.step}.`,
    'Resume the interrupted fine-tune',
    'Discard',
  );
  if (a === 'Discard') discardRun(run);
  if (a !== 'Resume the interrupted fine-tune') return;
  const base = run.record.baseId ? services.active.store.get(run.record.baseId) : services.active.current();
  await userRun(
    services,
    () =>
      train(ctx, services, {
        runId: run.record.id,
        corpus: run.record.corpus,
        config: run.record.config,
        summary: { resumedFrom: run.step ?? 0 },
        base,
        resume: true,
      }),
    refuseSecondRun,
  );
}

export function stopTraining(services: TrainingServices) {
  return async (): Promise<void> => {
    if (!trainingInProgress()) {
      void vscode.window.showInformationMessage('Seq2Seq: no training is running.');
      return;
    }
    services.feed().stop();
  };
}

export function showDashboard(ctx: Seq2SeqContext, services: TrainingServices) {
  return (): void => {
    DashboardPanel.createOrShow(ctx.extensionUri, services.feed());
  };
}
