/**
 * Attention shown in the source editor: the attention panel highlights, on the original
 * selection, the source tokens a generated token attended to (background opacity by weight),
 * outlines a hovered source token and reveals a clicked one.
 *
 * The link keeps the document URI and offsets rather than a `TextEditor`, since editor objects
 * go stale when their tab is hidden; it finds a visible editor of the document on each call.
 */
import * as vscode from 'vscode';

import type { EditorRef } from './protocol';

/** What the attention panel needs from the editor that holds its source. */
export interface EditorLink {
  readonly uri: vscode.Uri;
  /** Document offsets of the original selection. */
  readonly range: { readonly start: number; readonly end: number };
  /** One weight per source token (any scale >= 0; drawn relative to the largest). */
  applyHighlights(weights: readonly number[]): void;
  /** Outlines one source token; `null` removes the outline. */
  outline(tokenIndex: number | null): void;
  clear(): void;
  /** Shows the document with the token selected. */
  reveal(tokenIndex: number): Promise<void>;
  toRef(): EditorRef;
  dispose(): void;
}

/** Character span of a source token in the selected text; -1 for special tokens. */
export interface TokenSpan {
  readonly start: number;
  readonly end: number;
}

/** Background opacity steps: a decoration type each, since a type's colour is fixed. */
const LEVELS = [0.12, 0.24, 0.38, 0.55, 0.75];
/** Weights below this share of the row's maximum are not drawn. */
const MIN_SHARE = 0.05;

let levelTypes: vscode.TextEditorDecorationType[] | undefined;
let outlineType: vscode.TextEditorDecorationType | undefined;

function decorationTypes(): { levels: vscode.TextEditorDecorationType[]; outline: vscode.TextEditorDecorationType } {
  levelTypes ??= LEVELS.map((a) =>
    vscode.window.createTextEditorDecorationType({
      // One hue readable on light and dark themes; high contrast also gets a border.
      backgroundColor: `rgba(255, 140, 0, ${a})`,
      borderRadius: '2px',
      light: { backgroundColor: `rgba(230, 110, 0, ${a})` },
      ...(a >= 0.55 ? { overviewRulerColor: `rgba(255, 140, 0, ${a})` } : {}),
      overviewRulerLane: vscode.OverviewRulerLane.Center,
    }),
  );
  outlineType ??= vscode.window.createTextEditorDecorationType({
    borderWidth: '1px',
    borderStyle: 'solid',
    borderColor: new vscode.ThemeColor('editor.findMatchBorder'),
    outlineColor: new vscode.ThemeColor('contrastActiveBorder'),
  });
  return { levels: levelTypes, outline: outlineType };
}

/** Which opacity level a weight gets, or -1 for none. Pure; exported for tests. */
export function weightLevel(weight: number, max: number): number {
  if (!(max > 0) || !(weight > 0) || weight / max < MIN_SHARE) return -1;
  return Math.min(LEVELS.length - 1, Math.floor((weight / max) * LEVELS.length));
}

/**
 * @param selectionStart document offset of the selection's start
 * @param tokens per source token, offsets into the selected text
 */
export function createEditorLink(
  uri: vscode.Uri,
  selectionStart: number,
  selectionEnd: number,
  tokens: readonly TokenSpan[],
): EditorLink {
  const editors = (): vscode.TextEditor[] =>
    vscode.window.visibleTextEditors.filter((e) => e.document.uri.toString() === uri.toString());
  const tokenRange = (doc: vscode.TextDocument, i: number): vscode.Range | undefined => {
    const t = tokens[i];
    if (!t || t.start < 0 || t.end < 0) return undefined;
    const end = Math.min(selectionStart + t.end, doc.getText().length);
    return new vscode.Range(doc.positionAt(selectionStart + t.start), doc.positionAt(end));
  };
  let outlined: number | null = null;
  const link: EditorLink = {
    uri,
    range: { start: selectionStart, end: selectionEnd },
    applyHighlights(weights) {
      const { levels } = decorationTypes();
      const max = Math.max(0, ...weights);
      for (const editor of editors()) {
        const buckets: vscode.Range[][] = levels.map(() => []);
        weights.forEach((w, i) => {
          const level = weightLevel(w, max);
          const r = level >= 0 ? tokenRange(editor.document, i) : undefined;
          if (r) buckets[level]!.push(r);
        });
        levels.forEach((type, l) => editor.setDecorations(type, buckets[l]!));
      }
    },
    outline(tokenIndex) {
      outlined = tokenIndex;
      const { outline } = decorationTypes();
      for (const editor of editors()) {
        const r = outlined === null ? undefined : tokenRange(editor.document, outlined);
        editor.setDecorations(outline, r ? [r] : []);
      }
    },
    clear() {
      const { levels, outline } = decorationTypes();
      for (const editor of editors()) for (const type of [...levels, outline]) editor.setDecorations(type, []);
    },
    async reveal(tokenIndex) {
      const doc = await vscode.workspace.openTextDocument(uri);
      const r = tokenRange(doc, tokenIndex);
      if (!r) return;
      const visible = editors()[0];
      const editor = await vscode.window.showTextDocument(doc, {
        viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
        preserveFocus: false,
        selection: r,
      });
      editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    },
    toRef() {
      return { uri: uri.toString(), start: selectionStart, end: selectionEnd };
    },
    dispose() {
      link.clear();
    },
  };
  return link;
}

/** A link for an editor the host has now (`editor.selection` is the range the model read). */
export function editorLinkForSelection(
  editor: vscode.TextEditor,
  selection: vscode.Range,
  tokens: readonly TokenSpan[],
): EditorLink {
  const doc = editor.document;
  return createEditorLink(doc.uri, doc.offsetAt(selection.start), doc.offsetAt(selection.end), tokens);
}

/** Rebuilds a link after a window reload from the state the panel saved. */
export function editorLinkFromRef(ref: EditorRef, tokens: readonly TokenSpan[]): EditorLink {
  return createEditorLink(vscode.Uri.parse(ref.uri), ref.start, ref.end, tokens);
}
