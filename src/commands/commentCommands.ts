/**
 * Comment Selection (code -> doc comment) and Generate Code from Comment (comment -> code).
 * Each handler returns early with a message when there is no editor, no supported language, no
 * text or no model; generation runs in the worker with a cancellable progress notification, and
 * the insertion is one edit, so one undo removes it.
 */
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../context';
import type { Decoding } from '../core/decoding';
import type { CorpusLanguage } from '../data/languages';
import type { ParamDescription, ParamRole } from '../data/paramDescriptions';
import type { CommentLanguage } from '../docComments/styles';
import { planDocComment, type FunctionSpan } from '../docComments/placement';
import { isCommentLine, stripCommentMarkers, stripLeadingMarkers } from '../docComments/syntax';
import { LANGUAGE_IDS } from '../host/languages';
import { decodingSettings, requestDecoding } from '../host/settings';
import type { FunctionLocator } from '../host/functionLocator';
import { offerCode } from './codeFromComment';
import type { DocServices } from './docCommentCommands';
import type { SearchServices } from './searchCommands';
import type { StaleSummaryReport } from '../worker/protocol';
import {
  reuseOrigin,
  type Candidate,
  type TranslateRequest,
  type Translation,
  type Translator,
} from '../inference/translation';

/** Inputs beyond this many characters are refused with a message instead of freezing decoding. */
export const MAX_INPUT_CHARS = 20_000;

export interface CommentServices {
  readonly translator: () => Promise<Translator>;
  readonly locator: FunctionLocator;
  /** Workspace search for Generate Code from Comment (existing functions first). */
  readonly search?: SearchServices;
  /**
   * Descriptions for parameter names of a function in a file: the workspace index's for a
   * parameter in the same role (`roles`), else (given the function's code) the
   * parameter-description model's when it is sure enough.
   */
  readonly paramDescriptions?: (
    file: string,
    names: readonly string[],
    code?: string,
    roles?: Readonly<Record<string, ParamRole>>,
  ) => Promise<Readonly<Record<string, ParamDescription>>>;
  /** The model's "summary may be stale" check over one file's text (`seq2seq.docComment.staleSummaryHint`). */
  readonly checkSummaries?: (lang: CorpusLanguage, text: string, signal?: AbortSignal) => Promise<StaleSummaryReport>;
}

export function indentOptions(editor: vscode.TextEditor): { insertSpaces: boolean; tabSize: number } {
  const { insertSpaces, tabSize } = editor.options;
  return { insertSpaces: insertSpaces !== false, tabSize: typeof tabSize === 'number' ? tabSize : 4 };
}

export function eolOf(doc: vscode.TextDocument): string {
  return doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
}

/**
 * Runs a translation with a cancellable progress notification, decoding as the settings say
 * unless `decoding` is given; undefined when cancelled.
 */
export async function translateWithProgress(
  services: CommentServices,
  request: Omit<TranslateRequest, 'decoding'>,
  title: string,
  decoding: Decoding = requestDecoding(),
): Promise<Translation | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (_progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        const translator = await services.translator();
        return await translator.translate({ ...request, decoding }, abort.signal);
      } catch (e) {
        if (abort.signal.aborted) return undefined;
        const msg = e instanceof Error ? e.message : String(e);
        void vscode.window.showErrorMessage(`Seq2Seq: ${msg}`);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
}

/** The best candidate, or the one the user picks when `seq2seq.decoding.showCandidates` is on. */
export async function chooseCandidate(translation: Translation): Promise<Candidate | undefined> {
  const candidates = translation.candidates.filter((c) => c.text.trim().length > 0);
  if (candidates.length === 0) return undefined;
  if (!decodingSettings().showCandidates || candidates.length === 1) return candidates[0];
  const picked = await vscode.window.showQuickPick(
    candidates.map((c, i) => ({
      label: c.text.split('\n')[0] ?? c.text,
      description: c.reusedFrom ? `reused: ${reuseOrigin(c.reusedFrom)}` : `score ${c.score.toFixed(3)}`,
      detail: c.text.includes('\n') ? c.text : `log p ${c.logProb.toFixed(2)}`,
      index: i,
    })),
    { title: 'Seq2Seq: choose a candidate', placeHolder: 'Ranked by length-penalised score' },
  );
  return picked ? candidates[picked.index] : undefined;
}

function supportedLanguage(ctx: Seq2SeqContext, editor: vscode.TextEditor | undefined): CommentLanguage | undefined {
  if (!editor) {
    void vscode.window.showInformationMessage('Seq2Seq: open a file and select a function first.');
    return undefined;
  }
  const lang = LANGUAGE_IDS[editor.document.languageId];
  if (!lang) {
    void vscode.window.showInformationMessage(
      `Seq2Seq: ${editor.document.languageId} is not supported yet. Supported: Python, JavaScript, TypeScript, Java, Go, Rust, C#, C++, PHP and Ruby.`,
    );
    ctx.log.info(`comment: unsupported language ${editor.document.languageId}`);
  }
  return lang;
}

/**
 * Comment Selection. On a function (the cursor in it, a selection that holds its start, or the
 * function a caller names) it is Generate Doc Comment: the same pipeline, the same text. On other
 * selected code it writes a comment of the model's sentence above the selection, with the same
 * decoding request.
 */
export function commentSelection(ctx: Seq2SeqContext, docs: () => Promise<DocServices>) {
  return async (target?: { uri: vscode.Uri; offset: number }): Promise<boolean> => {
    const editor = target
      ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.uri.toString())
      : ctx.editors.editor;
    const lang = supportedLanguage(ctx, editor);
    if (!editor || !lang) return false;
    const doc = editor.document;
    const selection = editor.selection;
    const offset = target?.offset ?? doc.offsetAt(selection.active);
    const [m, docServices] = await Promise.all([import('./docCommentCommands'), docs()]);
    const whole = await m.wholeFunctionAt(docServices, doc, target ? undefined : selection, offset);
    if (whole !== undefined) return m.documentFunction(ctx, docServices, editor, { offset: whole });
    if (target || selection.isEmpty) {
      void vscode.window.showInformationMessage('Seq2Seq: put the cursor inside a function, or select some code.');
      return false;
    }
    // Some lines that are not (only) a whole function: a comment of the model's sentence above them.
    const code = doc.getText(selection);
    if (code.length > MAX_INPUT_CHARS) {
      void vscode.window.showWarningMessage(
        `Seq2Seq: the code is ${code.length} characters long; select at most ${MAX_INPUT_CHARS} (one function).`,
      );
      return false;
    }
    const version = doc.version;
    const pipeline = docServices.pipeline;
    const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: writing a comment…', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          const p = { report: (message: string) => progress.report({ message }), signal: abort.signal };
          if (!(await pipeline.indexReady(p))) return undefined;
          return await pipeline.summarize(lang, code, file, abort.signal);
        } finally {
          sub.dispose();
        }
      },
    );
    if (result?.error) void vscode.window.showErrorMessage(`Seq2Seq: ${result.error}`);
    if (!result?.translation) return false;
    // The text gate (src/docComments/textGate.ts) turned the best sentence down: nothing to offer unless the user picks.
    const written = result.translation.candidates.some((c) => c.text.trim());
    if (written && result.summary === undefined && !decodingSettings().showCandidates) {
      void vscode.window.showInformationMessage(
        "Seq2Seq: the model's comment for this code had repeated or cut words (or it was unsure), so nothing was inserted. Select a whole function for a doc comment with placeholders.",
      );
      return false;
    }
    const choice = await chooseCandidate(result.translation);
    if (!choice) {
      void vscode.window.showInformationMessage('Seq2Seq: the model produced no comment for this code.');
      return false;
    }
    if (doc.version !== version) {
      void vscode.window.showWarningMessage(
        'Seq2Seq: the document changed while the comment was generated; run the command again.',
      );
      return false;
    }
    const span: FunctionSpan = { startLine: selection.start.line };
    const plan = planDocComment(
      lang,
      doc.getText().split(/\r?\n/),
      span,
      choice.text,
      eolOf(doc),
      indentOptions(editor),
    );
    const ok = await editor.edit((b) => b.insert(new vscode.Position(plan.line, plan.character), plan.text));
    const from = choice.reusedFrom;
    const origin = from ? reuseOrigin(from) : `score ${choice.score.toFixed(3)}`;
    ctx.log.info(
      `comment: inserted ${JSON.stringify(choice.text)} (${origin}, ${result.translation.elapsedMs.toFixed(0)} ms)`,
    );
    // A reused summary is someone else's comment: say where it came from.
    if (ok && from) vscode.window.setStatusBarMessage(`Seq2Seq: comment reused from ${origin}`, 10_000);
    return ok;
  };
}

/** The comment block at or around the cursor: consecutive comment lines, markers stripped. */
export function commentAt(doc: vscode.TextDocument, line: number): { text: string; lastLine: number } | undefined {
  if (!isCommentLine(doc.lineAt(line).text)) return undefined;
  let first = line;
  let last = line;
  while (first > 0 && isCommentLine(doc.lineAt(first - 1).text)) first--;
  while (last < doc.lineCount - 1 && isCommentLine(doc.lineAt(last + 1).text)) last++;
  const text = [];
  for (let i = first; i <= last; i++) {
    text.push(stripCommentMarkers(doc.lineAt(i).text));
  }
  return { text: text.join(' ').replace(/\s+/g, ' ').trim(), lastLine: last };
}

export function generateCode(ctx: Seq2SeqContext, services: CommentServices) {
  return async (): Promise<boolean> => {
    const editor = ctx.editors.editor;
    const lang = supportedLanguage(ctx, editor);
    if (!editor || !lang) return false;
    const doc = editor.document;
    let description: string;
    let afterLine: number;
    if (!editor.selection.isEmpty) {
      description = stripLeadingMarkers(doc.getText(editor.selection));
      afterLine = editor.selection.end.line;
    } else {
      const found = commentAt(doc, editor.selection.active.line);
      if (!found) {
        void vscode.window.showInformationMessage(
          'Seq2Seq: select a comment, or put the cursor on one, to generate code from it.',
        );
        return false;
      }
      description = found.text;
      afterLine = found.lastLine;
    }
    if (!description) {
      void vscode.window.showInformationMessage('Seq2Seq: the comment is empty.');
      return false;
    }
    return offerCode(ctx, services, editor, lang, description, afterLine);
  };
}
