/**
 * Comment Selection (code -> doc comment) and Generate Code from Comment (comment -> code).
 * Each handler returns early with a message when there is no editor, no supported language, no
 * text or no model; generation runs in the worker with a cancellable progress notification, and
 * the insertion is one edit, so one undo removes it.
 */
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import type { CommentLanguage } from '../docComments/styles';
import { planDocComment, type FunctionSpan } from '../docComments/placement';
import { isCommentLine, stripCommentMarkers, stripLeadingMarkers } from '../docComments/syntax';
import { chooseCandidate, eolOf, indentOptions, MAX_INPUT_CHARS, type CommentServices } from '../host/editorText';
import { LANGUAGE_IDS } from '../host/languages';
import { decodingSettings } from '../host/settings';
import { offerCode } from './codeFromComment';
import type { DocServices } from '../host/docServices';
import { reuseOrigin } from '../inference/translation';

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
