/**
 * Extension entry. `activate()` only registers commands and the status bar, then returns:
 * TensorFlow.js, models, parsers and panels load lazily inside the handlers.
 */
import * as vscode from 'vscode';
import { Seq2SeqContext } from './context';
import { showEngineStatus } from './commands/engineCommands';
import { notAvailableYet } from './commands/notAvailable';
import { EngineHost } from './host/engineHost';
import { SUPPORTED_LANGUAGE_IDS } from './host/languages';

/** Commands contributed in package.json whose features arrive later. */
const PENDING: ReadonlyArray<readonly [string, string]> = [
  ['seq2seq.commentSelection', 'Comment Selection'],
  ['seq2seq.generateCode', 'Generate Code from Comment'],
  ['seq2seq.translateSelection', 'Translate Selection…'],
  ['seq2seq.showAttention', 'Show Attention for Selection'],
  ['seq2seq.fineTune', 'Fine-tune on Workspace'],
  ['seq2seq.stopTraining', 'Stop Training'],
  ['seq2seq.showDashboard', 'Show Training Dashboard'],
  ['seq2seq.selectModel', 'Select Model…'],
  ['seq2seq.importModel', 'Import Model…'],
  ['seq2seq.exportModel', 'Export Model…'],
  ['seq2seq.evaluateModel', 'Evaluate Model'],
];

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const ctx = new Seq2SeqContext(context);
  const engine = new EngineHost(ctx);
  context.subscriptions.push(ctx);

  const register = (id: string, handler: (...args: never[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  };
  register('seq2seq.showEngineStatus', showEngineStatus(ctx, engine));
  for (const [id, title] of PENDING) register(id, notAvailableYet(title));

  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('seq2seq.backend') || e.affectsConfiguration('seq2seq.tensorflowPath')) engine.reset();
    }),
  );
  void vscode.commands.executeCommand('setContext', 'seq2seq.supportedLanguages', SUPPORTED_LANGUAGE_IDS);

  ctx.activationMs = performance.now() - started;
  ctx.log.info(`Seq2Seq Studio activated in ${ctx.activationMs.toFixed(1)} ms`);
}

export function deactivate(): void {}
