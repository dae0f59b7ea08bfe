/**
 * Editor providers for doc comments: the completion item offered when `"""` is typed on the line
 * after a `def` or `/**` above a function, the light bulb's "Generate doc comment", and the
 * hint-level diagnostics (while `seq2seq.docComment.checkConsistency` is on) with their
 * "Update doc comment" quick fix, and the model's "summary may be stale" hint (while
 * `seq2seq.docComment.staleSummaryHint` is on, off by default). Analysis goes through the lazy
 * analyzer; building and checking modules load on first use.
 */
import * as vscode from 'vscode';
import type { CorpusLanguage } from '../parsing/languages';
import type { AnalyzedFunction } from '../docComments/analyze';
import { docOpener } from '../docComments/syntax';
import type { DocServices, DocTarget } from './docServices';
import { DocText } from './docPipeline';
import { LANGUAGE_IDS } from './languages';
import { docCommentSettings } from './settings';
import { COMMANDS } from './commandIds';
import type { StaleSummaryReport } from '../worker/protocol';

const SOURCE = 'Seq2Seq';
/** Diagnostic code of the model's "summary may be stale" hint. */
export const STALE_SUMMARY_CODE = 'staleSummary';
/** Quiet time after the last edit before the model's stale-summary check runs. */
const STALE_CHECK_DELAY_MS = 2_000;

const languageOf = (doc: vscode.TextDocument): CorpusLanguage | undefined => LANGUAGE_IDS[doc.languageId];

/**
 * The completion on `"""` (Python) or `/**` (block-comment languages). Accepting it clears what was
 * typed and runs Generate Doc Comment for that line, so the comment comes from the same pipeline
 * as every other entry point (the same index, decoding and text), with the same progress and
 * Cancel. The item's documentation previews the layout; the model fills the summary on accept.
 */
export class DocCompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly services: DocServices) {}

  async provideCompletionItems(
    doc: vscode.TextDocument,
    pos: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.CompletionItem[]> {
    const lang = languageOf(doc);
    if (!lang) return [];
    const line = doc.lineAt(pos.line).text;
    const before = line.slice(0, pos.character);
    const opener = docOpener(before, lang);
    if (!opener) return [];
    // The function reads as it did before the comment was started: without this line.
    const pipeline = this.services.pipeline;
    const fn = await pipeline.functionForBlankLine(lang, new DocText(doc, pos.line));
    if (!fn || fn.doc || token.isCancellationRequested) return [];
    const req = await pipeline.request(doc, lang, {});
    const { renderDoc } = await import('../docComments/builder');
    const item = new vscode.CompletionItem(
      { label: 'Generate doc comment', description: `Seq2Seq ${req.format}` },
      vscode.CompletionItemKind.Snippet,
    );
    // Clears the typed opener (and any closing quotes the editor added); the command writes the rest.
    item.insertText = '';
    item.range = new vscode.Range(pos.line, opener.indent.length, pos.line, line.length);
    item.filterText = before.trimStart();
    item.sortText = '\0';
    item.preselect = true;
    item.detail = `${fn.shape.name}: the model writes the summary`;
    item.documentation = new vscode.MarkdownString().appendCodeblock(
      renderDoc(fn.shape, req, { indent: '', eol: '\n', snippet: false }),
      doc.languageId,
    );
    const target: DocTarget = { uri: doc.uri, blankLine: pos.line };
    item.command = { title: 'Generate doc comment', command: COMMANDS.generateDocComment, arguments: [target] };
    return [item];
  }
}

/** Diagnostics where a doc comment disagrees with its function; refreshed as the text changes. */
export class DocDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection('seq2seq.docComments');
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** The model check in flight per document, aborted when a newer one starts. */
  private readonly pending = new Map<string, AbortController>();

  constructor(private readonly services: DocServices) {}

  static enabled(doc: vscode.TextDocument): boolean {
    return DocDiagnostics.consistencyOn(doc) || DocDiagnostics.staleSummaryOn(doc);
  }

  private static consistencyOn(doc: vscode.TextDocument): boolean {
    return docCommentSettings(doc).checkConsistency;
  }

  private static staleSummaryOn(doc: vscode.TextDocument): boolean {
    return docCommentSettings(doc).staleSummaryHint;
  }

  schedule(doc: vscode.TextDocument, delayMs = 500): void {
    const lang = languageOf(doc);
    if (!lang || (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled')) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.refresh(doc, lang);
      }, delayMs),
    );
  }

  private async refresh(doc: vscode.TextDocument, lang: CorpusLanguage): Promise<void> {
    if (doc.isClosed) return;
    if (!DocDiagnostics.enabled(doc) || doc.lineCount > 20_000) {
      this.collection.delete(doc.uri);
      return;
    }
    const version = doc.version;
    const text = doc.getText();
    const functions = await this.services.analyzer.analyze(lang, text);
    const { docIssues } = await import('../docComments/consistency');
    if (doc.isClosed || doc.version !== version) return;
    const diagnostics: vscode.Diagnostic[] = [];
    if (DocDiagnostics.consistencyOn(doc))
      for (const fn of functions)
        for (const issue of docIssues(fn)) {
          const range = new vscode.Range(doc.positionAt(issue.start), doc.positionAt(issue.end));
          const d = new vscode.Diagnostic(range, issue.message, vscode.DiagnosticSeverity.Hint);
          d.source = SOURCE;
          d.code = issue.kind;
          diagnostics.push(d);
        }
    this.collection.set(doc.uri, diagnostics);
    if (!DocDiagnostics.staleSummaryOn(doc) || !this.services.checkSummaries) return;
    // The model's check costs the engine more: it waits for typing to rest a while, and its answer
    // is kept only if the text has not changed meanwhile.
    this.pending.get(doc.uri.toString())?.abort();
    const abort = new AbortController();
    this.pending.set(doc.uri.toString(), abort);
    let report: StaleSummaryReport;
    try {
      await new Promise((resolve) => setTimeout(resolve, STALE_CHECK_DELAY_MS));
      if (abort.signal.aborted || doc.isClosed || doc.version !== version) return;
      report = await this.services.checkSummaries(lang, text, abort.signal);
    } catch {
      return; // no model, a busy or restarting engine: the hint waits for the next change
    } finally {
      if (this.pending.get(doc.uri.toString()) === abort) this.pending.delete(doc.uri.toString());
    }
    if (doc.isClosed || doc.version !== version || report.stale.length === 0) return;
    this.collection.set(doc.uri, [...diagnostics, ...staleSummaryDiagnostics(doc, functions, report)]);
  }

  forget(doc: vscode.TextDocument): void {
    clearTimeout(this.timers.get(doc.uri.toString()));
    this.pending.get(doc.uri.toString())?.abort();
    this.collection.delete(doc.uri);
  }

  clearAll(): void {
    this.collection.clear();
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const a of this.pending.values()) a.abort();
    this.collection.dispose();
  }
}

/** The light bulb: "Update doc comment" for our diagnostics, "Generate doc comment" on a signature. */
export class DocCodeActions implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix, vscode.CodeActionKind.RefactorRewrite];

  constructor(private readonly services: DocServices) {}

  async provideCodeActions(
    doc: vscode.TextDocument,
    range: vscode.Range,
    context: vscode.CodeActionContext,
  ): Promise<vscode.CodeAction[]> {
    const lang = languageOf(doc);
    if (!lang) return [];
    const functions = await this.services.analyzer.analyze(lang, doc.getText());
    const actions: vscode.CodeAction[] = [];
    const ours = context.diagnostics.filter((d) => d.source === SOURCE && d.code !== STALE_SUMMARY_CODE);
    if (ours.length > 0) {
      const { docFixEdits } = await import('../docComments/consistency');
      const offset = doc.offsetAt(ours[0]!.range.start);
      const fn = functions.find((f) => f.doc && f.doc.start <= offset && offset <= f.doc.end);
      const edits = fn ? docFixEdits(fn, doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n') : [];
      if (edits.length > 0) {
        const action = new vscode.CodeAction('Update doc comment', vscode.CodeActionKind.QuickFix);
        action.diagnostics = ours;
        action.isPreferred = true;
        action.edit = new vscode.WorkspaceEdit();
        for (const e of edits)
          action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(e.start), doc.positionAt(e.end)), e.text);
        actions.push(action);
      }
    }
    const fn = onSignature(functions, range.start.line);
    if (fn && !fn.doc) {
      const action = new vscode.CodeAction('Generate doc comment', vscode.CodeActionKind.RefactorRewrite);
      action.command = {
        title: 'Generate doc comment',
        command: COMMANDS.generateDocComment,
        arguments: [{ uri: doc.uri, offset: fn.startOffset }],
      };
      actions.push(action);
    }
    return actions;
  }
}

/** A hint on the first line of each flagged function's doc comment. */
function staleSummaryDiagnostics(
  doc: vscode.TextDocument,
  functions: readonly AnalyzedFunction[],
  report: StaleSummaryReport,
): vscode.Diagnostic[] {
  const share =
    report.precision !== undefined
      ? ` (on projects it never saw, ${Math.round(report.precision * 100)} % of its flags were right)`
      : '';
  return report.stale.flatMap((hit) => {
    const fn = functions.find((f) => f.headerLine === hit.line - 1 && f.doc);
    if (!fn?.doc) return [];
    const start = doc.positionAt(fn.doc.start);
    const range = new vscode.Range(start, doc.lineAt(start.line).range.end);
    const d = new vscode.Diagnostic(
      range,
      `The summary may no longer describe ${hit.name}: the model finds it an unlikely comment for this code${share}.`,
      vscode.DiagnosticSeverity.Hint,
    );
    d.source = SOURCE;
    d.code = STALE_SUMMARY_CODE;
    return [d];
  });
}

/** The function whose header (decorators through the signature) is on `line`. */
function onSignature(functions: readonly AnalyzedFunction[], line: number): AnalyzedFunction | undefined {
  let best: AnalyzedFunction | undefined;
  for (const f of functions) {
    const last = Math.max(f.startLine, f.bodyLine - 1);
    if (f.headerLine <= line && line <= last && (!best || f.startOffset > best.startOffset)) best = f;
  }
  return best;
}
