/**
 * Registers the doc comment features (commands, completion, light bulb, diagnostics) with
 * VS Code; all of them write through one pipeline (src/host/docPipeline.ts), built here once.
 * Only registration happens at activation: the providers' modules, tree-sitter and the doc
 * builders load on the first event that needs them.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import { docOpener } from '../docComments/syntax';
import { SUPPORTED_LANGUAGE_IDS } from '../host/languages';
import { docCommentSettings } from '../host/settings';
import type { CommentServices } from '../host/editorText';
import type { DocServices, DocTarget } from '../host/docServices';

import type * as ProvidersModule from '../host/docProviders';
import type * as CommandsModule from './docCommentCommands';
import { COMMANDS } from '../host/commandIds';

type Providers = typeof ProvidersModule;
type Commands = typeof CommandsModule;

export function registerDocComments(
  context: vscode.ExtensionContext,
  ctx: Seq2SeqContext,
  services: CommentServices,
): { services: () => Promise<DocServices> } {
  let commands: Promise<Commands> | undefined;
  let docServices: Promise<DocServices> | undefined;
  const loadCommands = (): Promise<Commands> => (commands ??= import('./docCommentCommands'));
  const getServices = (): Promise<DocServices> =>
    (docServices ??= Promise.all([import('../host/docServices'), import('../host/docPipeline')]).then(([m, p]) => {
      const analyzer = new m.LazyDocAnalyzer(path.join(context.extensionUri.fsPath, 'dist', 'tree-sitter'));
      context.subscriptions.push(analyzer);
      const pipeline = new p.DocPipeline({
        translator: services.translator,
        analyzer,
        index: services.search?.index,
        paramDescriptions: services.paramDescriptions,
        log: ctx.log,
        onNeighbour: (neighbour) => ctx.statusBar.update({ neighbour }),
      });
      return { ...services, analyzer, pipeline };
    }));
  let providers: Promise<Providers> | undefined;
  const loadProviders = (): Promise<Providers> => (providers ??= import('../host/docProviders'));
  const selector = SUPPORTED_LANGUAGE_IDS.map((language) => ({ language }));

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMANDS.generateDocComment, async (target?: DocTarget) =>
      (await loadCommands()).generateDocComment(ctx, await getServices())(target),
    ),
    vscode.commands.registerCommand(COMMANDS.documentFile, async () =>
      (await loadCommands()).documentFile(ctx, await getServices())(),
    ),
  );

  // Completion on `"""` and `/**`: the provider object loads on the first trigger.
  let completion: Promise<vscode.CompletionItemProvider> | undefined;
  context.subscriptions.push(
    vscode.languages.registerCompletionItemProvider(
      selector,
      {
        provideCompletionItems: async (doc, pos, token, cctx) => {
          const before = doc.lineAt(pos.line).text.slice(0, pos.character);
          if (!docOpener(before)) return [];
          completion ??= Promise.all([loadProviders(), getServices()]).then(([m, s]) => new m.DocCompletionProvider(s));
          return (await completion).provideCompletionItems(doc, pos, token, cctx);
        },
      },
      '"',
      "'",
      '*',
    ),
  );

  let actions: Promise<vscode.CodeActionProvider> | undefined;
  context.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(
      selector,
      {
        provideCodeActions: async (doc, range, cctx, token) => {
          actions ??= Promise.all([loadProviders(), getServices()]).then(([m, s]) => new m.DocCodeActions(s));
          return (await actions).provideCodeActions(doc, range, cctx, token);
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite] },
    ),
  );

  // Diagnostics: scheduled on open and edit; the first one loads the checker.
  let diagnostics: Promise<ProvidersModule.DocDiagnostics> | undefined;
  const diag = (): Promise<ProvidersModule.DocDiagnostics> =>
    (diagnostics ??= Promise.all([loadProviders(), getServices()]).then(([m, s]) => {
      const d = new m.DocDiagnostics(s);
      context.subscriptions.push(d);
      return d;
    }));
  const supported = (doc: vscode.TextDocument): boolean => SUPPORTED_LANGUAGE_IDS.includes(doc.languageId);
  const wanted = (doc: vscode.TextDocument): boolean => {
    const c = docCommentSettings(doc);
    return c.checkConsistency || c.staleSummaryHint;
  };
  const schedule = (doc: vscode.TextDocument, delay?: number): void => {
    if (supported(doc) && (diagnostics || wanted(doc))) void diag().then((d) => d.schedule(doc, delay));
  };
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument((doc) => schedule(doc)),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => void diagnostics?.then((d) => d.forget(doc))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('seq2seq.docComment')) return;
      for (const doc of vscode.workspace.textDocuments) schedule(doc, 0);
    }),
  );
  for (const doc of vscode.workspace.textDocuments) schedule(doc);
  return { services: getServices };
}
