/**
 * Translate Selection…: the user picks the direction, the result opens beside the editor as a
 * read-only virtual document, and Insert / Replace / Copy act on the original selection, which
 * is remembered (document version included) so nothing is applied to text that has changed.
 */
import * as vscode from 'vscode';
import type { Direction } from '../core/specialTokens';
import type { Seq2SeqContext } from '../host/context';
import { usualExtension } from '../parsing/languages';
import { LANGUAGE_IDS } from '../host/languages';
import { chooseCandidate, MAX_INPUT_CHARS, translateWithProgress, type CommentServices } from '../host/editorText';

export const PREVIEW_SCHEME = 'seq2seq-preview';

/** Serves the previews' text; each translation gets its own URI. */
export class PreviewProvider implements vscode.TextDocumentContentProvider {
  private readonly docs = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;
  private counter = 0;

  add(title: string, text: string, languageExt: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: PREVIEW_SCHEME, path: `/${++this.counter}/${title}${languageExt}` });
    this.docs.set(uri.toString(), text);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.docs.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.emitter.dispose();
  }
}

export function translateSelection(ctx: Seq2SeqContext, services: CommentServices, previews: PreviewProvider) {
  return async (): Promise<void> => {
    const editor = ctx.editors.editor;
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('Seq2Seq: select code or a comment to translate.');
      return;
    }
    const doc = editor.document;
    const selection = editor.selection;
    const text = doc.getText(selection);
    if (text.length > MAX_INPUT_CHARS) {
      void vscode.window.showWarningMessage(`Seq2Seq: select at most ${MAX_INPUT_CHARS} characters.`);
      return;
    }
    const picked = await vscode.window.showQuickPick(
      [
        {
          label: '$(comment) Code → comment',
          description: 'describe the selected code',
          direction: 'code2doc' as Direction,
        },
        {
          label: '$(code) Comment → code',
          description: 'write code for the selected description',
          direction: 'doc2code' as Direction,
        },
      ],
      { title: 'Seq2Seq: translate the selection' },
    );
    if (!picked) return;
    const language = LANGUAGE_IDS[doc.languageId];
    const translation = await translateWithProgress(
      services,
      { direction: picked.direction, text, file: editor.document.uri.fsPath, ...(language ? { language } : {}) },
      'Seq2Seq: translating…',
    );
    if (!translation) return;
    const choice = await chooseCandidate(translation);
    if (!choice) {
      void vscode.window.showInformationMessage('Seq2Seq: the model produced nothing for this selection.');
      return;
    }
    const ext = picked.direction === 'doc2code' ? (language ? usualExtension(language) : '.txt') : '.txt';
    const uri = previews.add(
      picked.direction === 'doc2code' ? 'generated-code' : 'generated-comment',
      choice.text,
      ext,
    );
    await vscode.window.showTextDocument(uri, {
      viewColumn: vscode.ViewColumn.Beside,
      preview: true,
      preserveFocus: true,
    });
    const version = doc.version;
    const action = await vscode.window.showInformationMessage(
      `Seq2Seq: translation ready (score ${choice.score.toFixed(3)}).`,
      'Insert',
      'Replace',
      'Copy',
    );
    if (!action) return;
    if (action === 'Copy') {
      await vscode.env.clipboard.writeText(choice.text);
      return;
    }
    if (doc.version !== version || doc.isClosed) {
      void vscode.window.showWarningMessage(
        'Seq2Seq: the document changed meanwhile; the translation was copied to the clipboard instead.',
      );
      await vscode.env.clipboard.writeText(choice.text);
      return;
    }
    const target = await vscode.window.showTextDocument(doc, editor.viewColumn);
    await target.edit((b) =>
      action === 'Replace'
        ? b.replace(selection, choice.text)
        : b.insert(selection.end, (doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n') + choice.text),
    );
  };
}
