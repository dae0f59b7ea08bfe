/**
 * Extension entry. `activate()` only registers commands, providers and the status bar, then
 * returns: TensorFlow.js, models, parsers and panels load lazily inside the handlers (the
 * engine in its worker thread, tree-sitter in the parse worker on the first code lens or command).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { Seq2SeqContext } from './host/context';
import { showAttention } from './commands/attentionCommand';
import { commentSelection, generateCode } from './commands/commentCommands';
import { registerDocComments } from './commands/docCommentRegistration';
import { showEngineStatus } from './commands/engineCommands';
import { deleteModel, exportModel, importModel, selectModel } from './commands/modelCommands';
import { evaluateModel } from './commands/evaluateCommand';
import { fineTune, offerInterruptedRuns, showDashboard, stopTraining } from './commands/trainingCommands';
import { PREVIEW_SCHEME, PreviewProvider, translateSelection } from './commands/translateCommand';
import { findCode, rebuildIndex } from './commands/searchCommands';
import { DocCommentLensProvider } from './host/codeLens';
import { WorkspaceIndexHost, type SearchServices } from './host/workspaceIndex';
import type { CommentServices } from './host/editorText';
import { EngineHost } from './host/engineHost';
import type { FunctionLocator } from './host/functionLocator';
import type { WorkerLocator } from './host/parseClient';
import { SUPPORTED_LANGUAGE_IDS } from './host/languages';
import { ModelStore } from './host/modelStore';
import { ActiveModel, describe } from './host/activeModel';
import type { TrainingServices } from './host/trainingRuns';
import { CorrectionRecorder, forgetCorrections, showCorrections } from './host/corrections';
import { WorkspaceLearner } from './host/learning';
import { registerAttentionPanelSerializer } from './webviews/attention/panel';
import { DashboardFeed } from './webviews/dashboard/feed';
import { registerDashboardSerializer } from './webviews/dashboard/panel';
import { COMMANDS, type CommandId } from './host/commandIds';

/** The function locator: tree-sitter in its own worker thread, loaded and started on first use. */
function lazyLocator(ctx: Seq2SeqContext): FunctionLocator & vscode.Disposable {
  let real: Promise<WorkerLocator> | undefined;
  return {
    functions: async (language, text) => {
      real ??= import('./host/parseClient').then(
        (m) =>
          new m.WorkerLocator({
            script: path.join(ctx.extensionUri.fsPath, 'dist', 'parseWorker.js'),
            wasmDir: path.join(ctx.extensionUri.fsPath, 'dist', 'tree-sitter'),
          }),
      );
      return (await real).functions(language, text);
    },
    dispose: () => void real?.then((r) => r.dispose()),
  };
}

export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const ctx = new Seq2SeqContext(context);
  const store = new ModelStore(
    path.join(context.globalStorageUri.fsPath, 'models'),
    path.join(context.extensionUri.fsPath, 'media', 'models', 'default'),
  );
  const active = new ActiveModel(ctx, store);
  const engine = new EngineHost(ctx, () => active.current());
  const locator = lazyLocator(ctx);
  const index = new WorkspaceIndexHost(ctx, engine, context.storageUri);
  const search: SearchServices = { engine, index };
  const services: CommentServices = {
    translator: async () => engine,
    locator,
    search,
    paramDescriptions: (file, names, code, roles) =>
      engine.describeParams(
        file,
        names,
        code,
        path.join(context.extensionUri.fsPath, 'media', 'models', 'params'),
        roles,
      ),
    checkSummaries: (lang, text, signal) => engine.checkSummaries(lang, text, signal),
  };
  const previews = new PreviewProvider();
  const lenses = new DocCommentLensProvider(locator);
  context.subscriptions.push(ctx, engine, index, locator, previews, lenses);

  const register = (id: CommandId, handler: (...args: never[]) => unknown): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, handler));
  };
  register(COMMANDS.showEngineStatus, showEngineStatus(ctx, engine));
  const docs = registerDocComments(context, ctx, services);
  register(COMMANDS.commentSelection, commentSelection(ctx, docs.services));
  register(COMMANDS.generateCode, generateCode(ctx, services));
  register(COMMANDS.findCode, findCode(ctx, search));
  register(COMMANDS.rebuildIndex, rebuildIndex(search));
  register(COMMANDS.showAttention, showAttention(ctx, services));
  register(COMMANDS.translateSelection, translateSelection(ctx, services, previews));
  register(COMMANDS.selectModel, selectModel(ctx, active));
  register(
    COMMANDS.importModel,
    importModel(ctx, active, (dir) => engine.validateModel(dir)),
  );
  register(COMMANDS.exportModel, exportModel(ctx, active));
  register(COMMANDS.deleteModel, deleteModel(ctx, active));
  let feed: DashboardFeed | undefined;
  const training: TrainingServices = {
    engine,
    active,
    feed: () => (feed ??= new DashboardFeed(path.join(context.globalStorageUri.fsPath, 'runs'))),
  };
  register(COMMANDS.fineTune, fineTune(ctx, training));
  register(COMMANDS.stopTraining, stopTraining(training));
  register(COMMANDS.showDashboard, showDashboard(ctx, training));
  context.subscriptions.push(registerDashboardSerializer(context, training.feed), { dispose: () => feed?.dispose() });
  register(COMMANDS.evaluateModel, evaluateModel(ctx, { engine, active }));
  // The model learning this workspace: verdicts on inserted comments, idle-time runs, history.
  const recorder = new CorrectionRecorder(
    context.storageUri,
    ctx.log,
    path.join(context.extensionUri.fsPath, 'dist', 'tree-sitter'),
  );
  ctx.corrections = recorder;
  const learner = new WorkspaceLearner(ctx, training, recorder, index, context.storageUri);
  context.subscriptions.push(recorder, learner);
  register(COMMANDS.showCorrections, showCorrections(recorder));
  register(COMMANDS.forgetCorrections, forgetCorrections(recorder));
  register(COMMANDS.learnNow, learner.learnNow());
  register(COMMANDS.showLearningHistory, learner.showHistory());
  // Off the activation path: a fine-tune that a reload or crash interrupted is offered for resume.
  const offer = setTimeout(
    () => void offerInterruptedRuns(ctx, training).catch((e: unknown) => ctx.log.error(String(e))),
    3000,
  );
  context.subscriptions.push({ dispose: () => clearTimeout(offer) });

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(PREVIEW_SCHEME, previews),
    registerAttentionPanelSerializer(context.extensionUri),
    vscode.languages.registerCodeLensProvider(
      SUPPORTED_LANGUAGE_IDS.map((language) => ({ language, scheme: 'file' })),
      lenses,
    ),
    vscode.workspace.onDidCloseTextDocument((doc) => lenses.forget(doc)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('seq2seq.backend') || e.affectsConfiguration('seq2seq.tensorflowPath'))
        void engine.reset();
      if (e.affectsConfiguration('seq2seq.codeLens')) lenses.refresh();
      if (e.affectsConfiguration('seq2seq.model')) void active.set(active.current()?.id ?? '');
    }),
  );
  void vscode.commands.executeCommand('setContext', 'seq2seq.supportedLanguages', SUPPORTED_LANGUAGE_IDS);
  const model = active.current();
  ctx.statusBar.update({ model: model ? describe(model) : 'none' });

  ctx.activationMs = performance.now() - started;
  ctx.log.info(`Seq2Seq Studio activated in ${ctx.activationMs.toFixed(1)} ms`);
}

export function deactivate(): void {}
