/**
 * Generate Code from Comment: a small model cannot write new code from a sentence, but the code
 * asked for often exists in the workspace. So the offer lists the workspace's functions that fit
 * the comment first ("Use existing: `load_json` in utils/io.py", from Find Code by Description),
 * then the model's own draft, labelled as a draft with its mean token probability. Nothing is
 * inserted until the user picks: an existing function is used by inserting a call (with its
 * import, when it can be imported) or a copy of its code; the draft is inserted as it is. Each
 * insertion is one edit, so one undo removes it.
 */
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import { meanTokenProbability } from '../core/lengthScore';
import { importInsertionLine, planCall, type CallPlan } from '../editing/callInsertion';
import type { CommentLanguage } from '../docComments/styles';
import { layoutCode, leadingWhitespace } from '../editing/insertion';
import type { Candidate } from '../inference/translation';
import type { CodeSearchHit } from '../worker/protocol';
import { eolOf, indentOptions, translateWithProgress, type CommentServices } from '../host/editorText';
import { hitUri, revealHit, searchWorkspace } from './searchCommands';

/** Existing functions offered before the draft. */
const EXISTING_OFFERED = 5;

type Offer =
  | (vscode.QuickPickItem & { readonly kind?: undefined; readonly hit: CodeSearchHit })
  | (vscode.QuickPickItem & { readonly kind?: undefined; readonly draft: Candidate })
  | (vscode.QuickPickItem & { readonly kind: vscode.QuickPickItemKind.Separator });

/** The function's first line in its file, decorators skipped (decides whether it can be imported). */
async function firstLineOf(hit: CodeSearchHit): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(hitUri(hit));
  for (let l = Math.max(0, hit.line - 1); l < Math.min(doc.lineCount, hit.line + 10); l++) {
    const text = doc.lineAt(l).text;
    if (!/^\s*@/.test(text)) return text;
  }
  return doc.lineAt(Math.max(0, hit.line - 1)).text;
}

export async function offerCode(
  ctx: Seq2SeqContext,
  services: CommentServices,
  editor: vscode.TextEditor,
  lang: CommentLanguage,
  description: string,
  afterLine: number,
): Promise<boolean> {
  const doc = editor.document;
  const version = doc.version;
  const search = services.search;
  const hits = search?.index.available ? ((await searchWorkspace(ctx, search, description)) ?? []) : [];
  const translation = await translateWithProgress(
    services,
    { direction: 'doc2code', text: description, language: lang },
    'Seq2Seq: writing a draft…',
  );
  const drafts = (translation?.candidates ?? []).filter((c) => c.text.trim().length > 0);
  const offers: Offer[] = [];
  if (hits.length > 0) offers.push({ label: 'In this workspace', kind: vscode.QuickPickItemKind.Separator });
  for (const hit of hits.slice(0, EXISTING_OFFERED))
    offers.push({
      label: `$(references) Use existing: \`${hit.name}\` in ${hit.path}`,
      description: `line ${hit.line}`,
      detail: hit.summary ?? '(no doc comment)',
      hit,
    });
  if (drafts.length > 0) offers.push({ label: 'Written by the model', kind: vscode.QuickPickItemKind.Separator });
  for (const draft of drafts)
    offers.push({
      label: `$(sparkle) Draft (mean token probability ${meanTokenProbability(draft).toFixed(2)})`,
      description: 'model-written, check before use',
      detail: draft.text.split('\n').slice(0, 3).join(' ⏎ '),
      draft,
    });
  if (offers.length === 0) {
    void vscode.window.showInformationMessage('Seq2Seq: no existing function matches and the model wrote no draft.');
    return false;
  }
  const picked = await vscode.window.showQuickPick(offers, {
    title: `Seq2Seq: code for "${description}"`,
    placeHolder: 'Existing functions first, then the model’s draft; nothing is inserted until you choose',
    matchOnDetail: true,
  });
  if (!picked || picked.kind !== undefined) return false;
  if (doc.version !== version) {
    void vscode.window.showWarningMessage('Seq2Seq: the document changed meanwhile; run the command again.');
    return false;
  }
  if ('draft' in picked) return insertAfter(editor, afterLine, picked.draft.text);
  return useExisting(ctx, editor, lang, afterLine, picked.hit);
}

async function useExisting(
  ctx: Seq2SeqContext,
  editor: vscode.TextEditor,
  lang: CommentLanguage,
  afterLine: number,
  hit: CodeSearchHit,
): Promise<boolean> {
  const doc = editor.document;
  const here = vscode.workspace.getWorkspaceFolder(doc.uri);
  const fromPath = here && here.uri.fsPath === hit.root ? vscode.workspace.asRelativePath(doc.uri, false) : undefined;
  let plan: CallPlan | undefined;
  try {
    plan =
      fromPath !== undefined
        ? planCall({ ...hit, firstLine: await firstLineOf(hit) }, fromPath.split('\\').join('/'), doc.getText(), lang)
        : undefined;
  } catch (e) {
    ctx.log.warn(`generate: cannot read ${hit.path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const actions: (vscode.QuickPickItem & { action: 'call' | 'copy' | 'open' })[] = [
    ...(plan
      ? [
          {
            label: `$(symbol-method) Insert a call: ${plan.call}`,
            detail: plan.importLine ? `and add: ${plan.importLine}` : 'no import needed',
            action: 'call' as const,
          },
        ]
      : []),
    { label: '$(copy) Copy the code here', detail: `${hit.code.split('\n').length} lines`, action: 'copy' },
    { label: `$(go-to-file) Open \`${hit.name}\` in ${hit.path}`, action: 'open' },
  ];
  const chosen = await vscode.window.showQuickPick(actions, { title: `Seq2Seq: use \`${hit.name}\`` });
  if (!chosen) return false;
  if (chosen.action === 'open') {
    await revealHit(hit, false);
    return false;
  }
  if (chosen.action === 'copy') return insertAfter(editor, afterLine, hit.code);
  const eol = eolOf(doc);
  const base = leadingWhitespace(doc.lineAt(afterLine).text);
  const at = doc.lineAt(afterLine).range.end;
  const importAt = plan!.importLine ? importInsertionLine(doc.getText().split(/\r?\n/), lang) : undefined;
  return editor.edit((b) => {
    if (importAt !== undefined) b.insert(new vscode.Position(importAt, 0), plan!.importLine! + eol);
    b.insert(at, eol + base + plan!.call);
  });
}

function insertAfter(editor: vscode.TextEditor, afterLine: number, text: string): Thenable<boolean> {
  const doc = editor.document;
  const eol = eolOf(doc);
  const base = leadingWhitespace(doc.lineAt(afterLine).text);
  const code = layoutCode(text, base, eol, indentOptions(editor));
  const at = doc.lineAt(afterLine).range.end;
  return editor.edit((b) => b.insert(at, eol + code));
}
