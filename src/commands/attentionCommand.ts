/**
 * Show Attention for Selection: runs the model on the selection (the user picks the direction,
 * guessed from the text), then opens the attention panel with every n-best hypothesis and links
 * it to the selection so hovering the heatmap highlights the source in the editor.
 */
import * as vscode from 'vscode';
import type { Direction } from '../core/specialTokens';
import type { Seq2SeqContext } from '../host/context';
import { isCommentLine } from '../docComments/syntax';
import { neighbourOrigin, type SourceToken } from '../inference/translation';
import { LANGUAGE_IDS } from '../host/languages';
import { decodingSettings, requestDecoding } from '../host/settings';
import { MAX_INPUT_CHARS, translateWithProgress, type CommentServices } from '../host/editorText';

/** Source offsets are into the text with CRLF turned into LF; map them back onto the original. */
export function mapOffsetsToOriginal(original: string, tokens: readonly SourceToken[]): SourceToken[] {
  if (!original.includes('\r')) return [...tokens];
  const map: number[] = [];
  for (let i = 0; i < original.length; i++) {
    if (original[i] === '\r' && original[i + 1] === '\n') continue;
    map.push(i);
  }
  map.push(original.length);
  return tokens.map((t) => (t.start < 0 ? t : { ...t, start: map[t.start] ?? t.start, end: map[t.end] ?? t.end }));
}

/** Comments and prose read as doc2code input; everything else as code. */
export function guessDirection(text: string): Direction {
  const lines = text.split(/\r?\n/).filter((l) => l.trim());
  const commentLines = lines.filter(isCommentLine).length;
  if (lines.length > 0 && commentLines === lines.length) return 'doc2code';
  const codeChars = (text.match(/[{}();=[\]]/g) ?? []).length;
  return codeChars === 0 && lines.length <= 3 ? 'doc2code' : 'code2doc';
}

export function showAttention(ctx: Seq2SeqContext, services: CommentServices) {
  return async (): Promise<void> => {
    const editor = ctx.editors.editor;
    if (!editor || editor.selection.isEmpty) {
      void vscode.window.showInformationMessage(
        'Seq2Seq: select a function or a comment to see what the model attends to.',
      );
      return;
    }
    const doc = editor.document;
    const selection = new vscode.Range(editor.selection.start, editor.selection.end);
    const text = doc.getText(selection);
    if (text.length > MAX_INPUT_CHARS) {
      void vscode.window.showWarningMessage(`Seq2Seq: select at most ${MAX_INPUT_CHARS} characters.`);
      return;
    }
    const direction = guessDirection(text);
    const language = LANGUAGE_IDS[doc.languageId];
    const d = decodingSettings();
    // Every hypothesis the panel can show: at least the candidates setting, and up to 4 of the beam.
    const decoding = requestDecoding(d, Math.max(d.candidates, Math.min(4, d.decoding.beamSize)));
    const translation = await translateWithProgress(
      services,
      { direction, text, file: doc.uri.fsPath, ...(language ? { language } : {}) },
      'Seq2Seq: decoding with attention…',
      decoding,
    );
    if (!translation) return;
    const [{ buildAttentionView }, { AttentionPanel }, { editorLinkForSelection }] = await Promise.all([
      import('../webviews/attention/attentionView'),
      import('../webviews/attention/panel'),
      import('../webviews/attention/decorations'),
    ]);
    const sourceTokens = mapOffsetsToOriginal(text, translation.sourceTokens);
    const start = doc.offsetAt(selection.start);
    try {
      const view = buildAttentionView({
        direction,
        sourceText: text,
        sourceTokens,
        hypotheses: translation.candidates,
        lengthPenalty: decoding.lengthPenalty,
        lengthReward: translation.lengthReward,
        ...(translation.lengthRewardLimit !== undefined ? { lengthRewardLimit: translation.lengthRewardLimit } : {}),
        editor: { uri: doc.uri.toString(), start, end: doc.offsetAt(selection.end) },
        ...(translation.neighbour ? { neighbour: neighbourOrigin(translation.neighbour) } : {}),
      });
      AttentionPanel.createOrShow(ctx.extensionUri, view, editorLinkForSelection(editor, selection, sourceTokens));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      ctx.log.error(`attention: ${msg}`);
      void vscode.window.showErrorMessage(`Seq2Seq: cannot show the attention: ${msg}`);
    }
  };
}
