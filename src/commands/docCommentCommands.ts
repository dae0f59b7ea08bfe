/**
 * Whole doc comments in the editor. `documentFunction` is the one path for a single function,
 * taken by Generate Doc Comment, the light bulb and the code lens (both run that command with the
 * function), Comment Selection on a function, and the completion on `"""` / `/**` (which clears
 * what was typed and runs the command for that line). Document All Undocumented Functions in File
 * runs the same pipeline (src/host/docPipeline.ts) per function, lists the comments ticked in a
 * quick pick, and inserts the ticked ones as one edit with their tab stops. Parsing and building
 * load lazily, on first use.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import type { CorpusLanguage } from '../parsing/languages';
import { editorInputProblem } from '../mining/filters';
import type { AnalyzedFunction } from '../docComments/analyze';
import type { DocInsertion } from '../docComments/insert';
import { conventionalSkip, type ConventionalSkip, type DocumentedUnit } from '../docComments/conventions';
import { renumberTabStops, snippetPlainText, withFinalTabStop } from '../docComments/snippet';
import { stripCommentMarkers } from '../docComments/syntax';
import { DocText, functionAt, indentUnit, type PipelineProgress, type SummaryResult } from '../host/docPipeline';
import { eolOf } from '../host/editorText';
import { LANGUAGE_IDS } from '../host/languages';
import { decodingSettings, docCommentSettings } from '../host/settings';
import { reuseOrigin } from '../inference/translation';
import type { DocServices, DocTarget } from '../host/docServices';
import { chooseCandidate, MAX_INPUT_CHARS } from '../host/editorText';

function languageOf(doc: vscode.TextDocument): CorpusLanguage | undefined {
  return LANGUAGE_IDS[doc.languageId];
}

/** Runs `work` under a cancellable progress notification; its signal aborts on Cancel. */
function withCancellableProgress<T>(title: string, work: (p: PipelineProgress) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await work({ report: (message) => progress.report({ message }), signal: abort.signal });
      } finally {
        sub.dispose();
      }
    },
  );
}

const CHANGED = 'Seq2Seq: the document changed while the comment was written; run it again.';

/**
 * The whole doc comment for one function, inserted as a snippet (one undo, Tab walks the
 * placeholders, the last Tab ends after the comment). `where` names the function by an offset in
 * it, or by the blank line its comment goes on. False when nothing was inserted (with a message
 * that says why).
 */
export async function documentFunction(
  ctx: Seq2SeqContext,
  services: DocServices,
  editor: vscode.TextEditor,
  where: { readonly offset: number } | { readonly blankLine: number },
): Promise<boolean> {
  const doc = editor.document;
  const lang = languageOf(doc);
  if (!lang) {
    void vscode.window.showInformationMessage('Seq2Seq: open a supported file and put the cursor in a function.');
    return false;
  }
  const blankLine =
    'blankLine' in where && where.blankLine < doc.lineCount && doc.lineAt(where.blankLine).isEmptyOrWhitespace
      ? where.blankLine
      : undefined;
  const view = new DocText(doc, blankLine);
  const skipped = editorInputProblem(doc.uri.fsPath, view.text);
  if (skipped) {
    void vscode.window.showWarningMessage(`Seq2Seq: ${skipped}`);
    return false;
  }
  const pipeline = services.pipeline;
  let fn: AnalyzedFunction | undefined;
  try {
    fn =
      'offset' in where
        ? functionAt(await pipeline.functions(lang, view.text), where.offset)
        : await pipeline.functionForBlankLine(lang, view);
  } catch (e) {
    void vscode.window.showWarningMessage(`Seq2Seq: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
  if (!fn) {
    void vscode.window.showInformationMessage('Seq2Seq: put the cursor inside a function to document it.');
    return false;
  }
  if (fn.code.length > MAX_INPUT_CHARS) {
    void vscode.window.showWarningMessage(
      `Seq2Seq: ${fn.shape.name} is ${fn.code.length} characters long; the model reads at most ${MAX_INPUT_CHARS}.`,
    );
    return false;
  }
  const version = doc.version;
  const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
  const target = fn;
  const result = await withCancellableProgress<SummaryResult | undefined>(
    'Seq2Seq: writing a doc comment…',
    async (progress) => {
      if (!(await pipeline.indexReady(progress))) return undefined;
      progress.report(target.shape.name);
      return pipeline.summarize(lang, target.code, file, progress.signal);
    },
  );
  if (!result || (!result.translation && !result.error)) return false; // cancelled
  let summary = result.summary;
  const candidates = result.translation?.candidates.filter((c) => c.text.trim()) ?? [];
  // The user picks among the candidates only when they asked to (`seq2seq.decoding.showCandidates`).
  if (result.translation && decodingSettings().showCandidates && candidates.length > 1) {
    const choice = await chooseCandidate(result.translation);
    if (!choice) return false;
    summary = choice.text;
  }
  const chosen = candidates.find((c) => c.text.trim() === summary?.trim());
  if (result.translation) {
    const from = chosen?.reusedFrom;
    const how = chosen ? (from ? reuseOrigin(from) : `score ${chosen.score.toFixed(3)}`) : 'placeholder: the text gate';
    ctx.log.info(`doc comment: ${JSON.stringify(summary ?? candidates[0]?.text ?? '')} (${how})`);
    // A reused summary is someone else's comment: say where it came from.
    if (from) vscode.window.setStatusBarMessage(`Seq2Seq: summary reused from ${reuseOrigin(from)}`, 10_000);
  } else if (result.error) {
    void vscode.window.showWarningMessage(
      `Seq2Seq: no summary from the model (${result.error}); the comment has a placeholder.`,
    );
  }
  if (doc.version !== version) {
    void vscode.window.showWarningMessage(CHANGED);
    return false;
  }
  const ins = await pipeline.insertion(view, lang, fn, summary, indentUnit(editor.options));
  if (!ins) {
    void vscode.window.showInformationMessage(
      `Seq2Seq: ${fn.shape.name}'s body is on its first line; put it on a line of its own to document it.`,
    );
    return false;
  }
  if (doc.version !== version) {
    void vscode.window.showWarningMessage(CHANGED);
    return false;
  }
  const inserted = await editor.insertSnippet(
    new vscode.SnippetString(withFinalTabStop(ins.text, eolOf(doc))),
    view.location(ins.line),
    {
      undoStopBefore: true,
      undoStopAfter: true,
    },
  );
  // Remembered until the file is saved: kept, edited or deleted (src/host/corrections.ts).
  if (inserted) ctx.corrections?.recordInsertion(doc, lang, fn, ins.text);
  return inserted;
}

/** The editor a target names (it must be visible), else the active one. */
function editorFor(ctx: Seq2SeqContext, target: DocTarget | undefined): vscode.TextEditor | undefined {
  return target
    ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.uri.toString())
    : ctx.editors.editor;
}

/** Generate Doc Comment: for the function at the cursor, or the one a lens, light bulb or completion names. */
export function generateDocComment(ctx: Seq2SeqContext, services: DocServices) {
  return async (target?: DocTarget): Promise<boolean> => {
    const editor = editorFor(ctx, target);
    if (!editor || !languageOf(editor.document)) {
      void vscode.window.showInformationMessage('Seq2Seq: open a supported file and put the cursor in a function.');
      return false;
    }
    const where =
      target?.blankLine !== undefined
        ? { blankLine: target.blankLine }
        : { offset: target?.offset ?? editor.document.offsetAt(editor.selection.active) };
    return documentFunction(ctx, services, editor, where);
  };
}

/**
 * Comment Selection's question: is this a whole function (the cursor in one, or a selection that
 * holds one's start)? Its start offset then, else undefined (a selection of some lines).
 */
export async function wholeFunctionAt(
  services: DocServices,
  doc: vscode.TextDocument,
  selection: vscode.Selection | undefined,
  offset: number,
): Promise<number | undefined> {
  const lang = languageOf(doc);
  if (!lang) return undefined;
  const fn = functionAt(await services.pipeline.functions(lang, doc.getText()).catch(() => []), offset);
  if (!fn) return undefined;
  if (selection && !selection.isEmpty && !selection.contains(doc.positionAt(fn.startOffset))) return undefined;
  return fn.startOffset;
}

/** `seq2seq.docComment.pythonInitArguments`: where `__init__`'s arguments are documented. */
function pythonInitArguments(doc: vscode.TextDocument): 'classDocstring' | 'initDocstring' {
  return docCommentSettings(doc).pythonInitArguments;
}

const SKIP_WORDS: Record<ConventionalSkip, string> = {
  dunder: 'dunder methods',
  initInClass: 'the class docstring documents its arguments',
};

/** "__repr__, __eq__ (dunder methods); __init__ (the class docstring documents its arguments)". */
function skippedText(skipped: readonly { fn: AnalyzedFunction; why: ConventionalSkip }[]): string {
  const groups = new Map<ConventionalSkip, string[]>();
  for (const s of skipped) groups.set(s.why, [...(groups.get(s.why) ?? []), s.fn.shape.name]);
  return [...groups].map(([why, names]) => `${[...new Set(names)].join(', ')} (${SKIP_WORDS[why]})`).join('; ');
}

function unit(fn: AnalyzedFunction): DocumentedUnit {
  return {
    name: fn.shape.name,
    kind: fn.shape.kind,
    startOffset: fn.startOffset,
    endOffset: fn.endOffset,
    code: fn.code,
    params: fn.shape.params.map((p) => p.name),
    ...(fn.doc ? { doc: fn.doc.text } : {}),
  };
}

interface Proposed {
  readonly fn: AnalyzedFunction;
  readonly insertion: DocInsertion;
}

/**
 * The comments of a Document All run as one edit of snippet edits, in document order: tab stops
 * renumbered so each comment keeps its own (VS Code links equal numbers across one edit), and
 * the final tab stop after the last comment.
 */
export function documentAllEdits(proposed: readonly Proposed[], eol: string): vscode.SnippetTextEdit[] {
  const sorted = [...proposed].sort((a, b) => a.insertion.line - b.insertion.line);
  let last = 0;
  return sorted.map((p, i) => {
    const r = renumberTabStops(p.insertion.text, last);
    last = r.last;
    const text = i === sorted.length - 1 ? withFinalTabStop(r.text, eol) : r.text;
    return vscode.SnippetTextEdit.insert(new vscode.Position(p.insertion.line, 0), new vscode.SnippetString(text));
  });
}

/** The first line of a comment's text, delimiters and placeholders' syntax gone (the quick pick's detail). */
function firstContentLine(snippet: string): string {
  const lines = snippetPlainText(snippet)
    .split(/\r?\n/)
    .map((l) => stripCommentMarkers(l).trim())
    .filter((l) => l && !/^<\/?summary>$/.test(l));
  return lines[0] ?? '';
}

/**
 * Document All Undocumented Functions in File: every function without a doc comment that its
 * language's conventions expect one on, through the same pipeline as one function; the comments
 * are listed ticked (untick any to leave it out) and Enter inserts the ticked ones as one edit
 * (one undo) with their tab stops; a message says what was inserted and what was left out.
 */
export function documentFile(ctx: Seq2SeqContext, services: DocServices) {
  return async (): Promise<boolean> => {
    const editor = ctx.editors.editor;
    const lang = editor && languageOf(editor.document);
    if (!editor || !lang) {
      void vscode.window.showInformationMessage('Seq2Seq: open a supported file to document its functions.');
      return false;
    }
    const doc = editor.document;
    const view = new DocText(doc);
    const name = path.basename(doc.fileName);
    const version = doc.version;
    const pipeline = services.pipeline;
    const all = await pipeline.functions(lang, view.text);
    const units = all.map(unit);
    const undocumented = all.filter((f) => !f.doc);
    // Whether the docstrings this run writes for classes list `__init__`'s arguments.
    const probe = await pipeline.request(doc, lang, {});
    const classDocListsArguments =
      probe.sections === 'full' && ['google', 'numpy', 'sphinx', 'epytext'].includes(probe.format);
    const skipped: { fn: AnalyzedFunction; why: ConventionalSkip }[] = [];
    const todo: AnalyzedFunction[] = [];
    for (const fn of undocumented) {
      const why = conventionalSkip(lang, unit(fn), units, {
        pythonInitArguments: pythonInitArguments(doc),
        newClassDocListsArguments: classDocListsArguments,
      });
      if (why) skipped.push({ fn, why });
      else todo.push(fn);
    }
    const leftOut = skipped.length > 0 ? ` Left out by convention: ${skippedText(skipped)}.` : '';
    if (todo.length === 0) {
      void vscode.window.showInformationMessage(
        `Seq2Seq: every function in ${name} that needs a doc comment has one.${leftOut}`,
      );
      return false;
    }
    const file = doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
    const results = await withCancellableProgress(`Seq2Seq: documenting ${name}`, async (progress) => {
      if (!(await pipeline.indexReady(progress))) return undefined;
      const out = new Map<AnalyzedFunction, SummaryResult>();
      for (const [i, fn] of todo.entries()) {
        if (progress.signal?.aborted) return undefined;
        progress.report(`${fn.shape.name} (${i + 1}/${todo.length})`);
        out.set(fn, await pipeline.summarize(lang, fn.code, file, progress.signal));
      }
      return progress.signal?.aborted ? undefined : out;
    });
    if (!results) return false;
    if (doc.version !== version) {
      void vscode.window.showWarningMessage(CHANGED);
      return false;
    }
    const indent = indentUnit(editor.options);
    const proposed: Proposed[] = [];
    for (const fn of todo) {
      const insertion = await pipeline.insertion(view, lang, fn, results.get(fn)?.summary, indent);
      if (insertion) proposed.push({ fn, insertion });
    }
    const errors = [...new Set([...results.values()].flatMap((r) => (r.error ? [r.error] : [])))];
    const items = proposed.map((p) => ({
      label: `$(${p.fn.shape.kind === 'class' ? 'symbol-class' : 'symbol-method'}) ${p.fn.shape.name}`,
      description: `line ${p.fn.startLine + 1}`,
      detail: firstContentLine(p.insertion.text),
      picked: true,
      proposed: p,
    }));
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true,
      title: `Seq2Seq: ${items.length} doc comment${items.length === 1 ? '' : 's'} for ${name}`,
      placeHolder: 'Untick what you do not want; Enter inserts the rest',
      ignoreFocusOut: true,
    });
    if (!picked || picked.length === 0) {
      void vscode.window.showInformationMessage(`Seq2Seq: no doc comment inserted in ${name}.`);
      return false;
    }
    if (doc.version !== version) {
      void vscode.window.showWarningMessage(CHANGED);
      return false;
    }
    // Snippet edits keep their tab stops only in the active editor.
    await vscode.window.showTextDocument(doc, {
      ...(editor.viewColumn ? { viewColumn: editor.viewColumn } : {}),
      preserveFocus: false,
    });
    const edit = new vscode.WorkspaceEdit();
    edit.set(
      doc.uri,
      documentAllEdits(
        picked.map((p) => p.proposed),
        eolOf(doc),
      ),
    );
    const applied = await vscode.workspace.applyEdit(edit);
    if (!applied || doc.version === version) {
      void vscode.window.showErrorMessage(`Seq2Seq: the doc comments could not be inserted in ${name}; run it again.`);
      return false;
    }
    for (const p of picked) ctx.corrections?.recordInsertion(doc, lang, p.proposed.fn, p.proposed.insertion.text);
    const n = picked.length;
    const failed = errors.length > 0 ? ` The model gave no summary (${errors[0]}): summaries are placeholders.` : '';
    ctx.log.info(
      `doc comments: ${n} of ${proposed.length} inserted in ${name}; ${skipped.length} left out by convention`,
    );
    void vscode.window.showInformationMessage(
      `Seq2Seq: documented ${n} function${n === 1 ? '' : 's'} in ${name}; Tab walks their placeholders and one Undo removes them.${leftOut}${failed}`,
    );
    return true;
  };
}
