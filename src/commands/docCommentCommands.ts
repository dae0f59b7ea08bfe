/**
 * Whole doc comments in the editor: the Generate Doc Comment command (also behind the light bulb
 * and the code lens path of Comment Selection), Document All Undocumented Functions in File (a
 * workspace edit shown in the refactor preview first), the completion offered on `"""` under a
 * `def` or `/**` above a function, and the hint-level diagnostics with their "Update doc
 * comment" quick fix. The model writes each summary; parameters get the descriptions the
 * workspace already uses for their names, and the rest stay placeholders (see `docDescriptions`). Parsing and building load lazily, on first use.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../context';
import type { CorpusLanguage } from '../data/languages';
import type { AnalyzedFunction, DocAnalyzer } from '../docs/analyze';
import type { DocDescriptions, DocRequest } from '../docs/builder';
import { LANGUAGE_IDS } from '../host/languages';
import { decodingSettings, tunedRequestFields } from '../host/settings';
import type { CommentServices } from './commentCommands';

/** One analyzer per extension host, loaded on first use; behind one `analyze` entry point. */
export class LazyDocAnalyzer implements vscode.Disposable {
  private real: Promise<DocAnalyzer> | undefined;
  constructor(private readonly wasmDir: string) {}
  async analyze(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction[]> {
    this.real ??= import('../docs/analyze').then((m) => new m.DocAnalyzer({ wasmDir: this.wasmDir }));
    return (await this.real).analyze(lang, text);
  }
  dispose(): void {
    void this.real?.then((r) => r.dispose());
  }
}

export interface DocServices extends CommentServices {
  readonly analyzer: LazyDocAnalyzer;
}

function languageOf(doc: vscode.TextDocument): CorpusLanguage | undefined {
  return LANGUAGE_IDS[doc.languageId];
}

/** The request for a document's settings (format and sections, per language). */
export async function docRequest(
  doc: vscode.TextDocument,
  lang: CorpusLanguage,
  descriptions: DocDescriptions,
): Promise<DocRequest> {
  const { resolveFormat, resolveSections } = await import('../docs/formats');
  const c = vscode.workspace.getConfiguration('seq2seq.docComment', doc);
  return {
    lang,
    format: resolveFormat(lang, c.get('format')),
    sections: resolveSections(c.get('sections')),
    descriptions,
  };
}

/** The model's summary of a function's code, without UI; undefined when it has none. */
export async function modelSummary(
  services: CommentServices,
  lang: CorpusLanguage,
  code: string,
  signal?: AbortSignal,
): Promise<string | undefined> {
  const d = decodingSettings();
  const translator = await services.translator();
  const t = await translator.translate(
    {
      direction: 'code2doc',
      text: code,
      language: lang,
      beamSize: d.beamSize,
      nBest: 1,
      maxLength: d.maxOutputLength,
      lengthPenalty: d.lengthPenalty,
      ...tunedRequestFields(d),
    },
    signal,
  );
  return t.candidates.find((c) => c.text.trim())?.text;
}

/**
 * What goes into a function's doc comment besides its layout: the model's summary, and for each
 * parameter the description the workspace already gives a parameter of that name in its other
 * files (`bench:params`: chrF 8.0 → 28.5 over the name in words on held-out projects). Missing
 * ones stay placeholders; the return description stays one too (no model writes it yet).
 */
export async function docDescriptions(
  services: CommentServices,
  doc: vscode.TextDocument,
  fn: AnalyzedFunction,
  summary: string | undefined,
): Promise<DocDescriptions> {
  const names = fn.shape.params.map((p) => p.name);
  const source = vscode.workspace
    .getConfiguration('seq2seq.docComment', doc)
    .get<'workspaceAndModel' | 'workspace' | 'none'>('parameterDescriptions', 'workspaceAndModel');
  let params: Readonly<Record<string, string>> = {};
  if (services.paramDescriptions && doc.uri.scheme === 'file' && names.length > 0 && source !== 'none')
    try {
      params = await services.paramDescriptions(
        doc.uri.fsPath,
        names,
        source === 'workspaceAndModel' ? fn.code : undefined,
      );
    } catch {
      params = {}; // no index yet, or the worker is busy restarting: placeholders then
    }
  return { ...(summary ? { summary } : {}), ...(Object.keys(params).length > 0 ? { params } : {}) };
}

function indentUnit(editor: vscode.TextEditor | undefined): string {
  const o = editor?.options;
  return o?.insertSpaces === false ? '\t' : ' '.repeat(typeof o?.tabSize === 'number' ? o.tabSize : 4);
}

const eolOf = (doc: vscode.TextDocument): string => (doc.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n');

/** The innermost analysed function containing `offset`. */
function functionAt(functions: readonly AnalyzedFunction[], offset: number): AnalyzedFunction | undefined {
  let best: AnalyzedFunction | undefined;
  for (const f of functions)
    if (
      f.startOffset <= offset &&
      offset <= f.endOffset &&
      (!best || f.endOffset - f.startOffset < best.endOffset - best.startOffset)
    )
      best = f;
  return best;
}

/**
 * Inserts the whole doc comment for the function at `offset` as a snippet (one undo), with
 * `summary` as the summary's pre-filled placeholder. False when no function is there.
 */
export async function insertDocComment(
  services: DocServices,
  editor: vscode.TextEditor,
  offset: number,
  summary: string | undefined,
): Promise<boolean> {
  const doc = editor.document;
  const lang = languageOf(doc);
  if (!lang) return false;
  const fn = functionAt(await services.analyzer.analyze(lang, doc.getText()), offset);
  if (!fn) return false;
  const { planDocInsertion } = await import('../docs/insert');
  const req = await docRequest(doc, lang, await docDescriptions(services, doc, fn, summary));
  const lines = doc.getText().split(/\r?\n/);
  const plan = planDocInsertion(fn, req, lines, { eol: eolOf(doc), indentUnit: indentUnit(editor), snippet: true });
  if (!plan) return false;
  return editor.insertSnippet(new vscode.SnippetString(plan.text), new vscode.Position(plan.line, 0), {
    undoStopBefore: true,
    undoStopAfter: true,
  });
}

/** Generate Doc Comment: for the function at the cursor (or the one a lens or light bulb names). */
export function generateDocComment(ctx: Seq2SeqContext, services: DocServices) {
  return async (target?: { uri: vscode.Uri; offset: number }): Promise<boolean> => {
    const editor = target
      ? vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target.uri.toString())
      : ctx.editors.editor;
    const lang = editor && languageOf(editor.document);
    if (!editor || !lang) {
      void vscode.window.showInformationMessage('Seq2Seq: open a supported file and put the cursor in a function.');
      return false;
    }
    const doc = editor.document;
    const offset = target?.offset ?? doc.offsetAt(editor.selection.active);
    const fn = functionAt(await services.analyzer.analyze(lang, doc.getText()), offset);
    if (!fn) {
      void vscode.window.showInformationMessage('Seq2Seq: put the cursor inside a function to document it.');
      return false;
    }
    const version = doc.version;
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: writing a doc comment…', cancellable: true },
      async (_p, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        try {
          return await modelSummary(services, lang, fn.code, abort.signal);
        } catch (e) {
          if (!abort.signal.aborted) ctx.log.info(`doc comment: no summary (${e instanceof Error ? e.message : e})`);
          return undefined;
        } finally {
          sub.dispose();
        }
      },
    );
    if (doc.version !== version) {
      void vscode.window.showWarningMessage(
        'Seq2Seq: the document changed while the comment was written; run it again.',
      );
      return false;
    }
    return insertDocComment(services, editor, offset, summary);
  };
}

/** Document All Undocumented Functions in File: one workspace edit, previewed before it applies. */
export function documentFile(ctx: Seq2SeqContext, services: DocServices) {
  return async (): Promise<boolean> => {
    const editor = ctx.editors.editor;
    const lang = editor && languageOf(editor.document);
    if (!editor || !lang) {
      void vscode.window.showInformationMessage('Seq2Seq: open a supported file to document its functions.');
      return false;
    }
    const doc = editor.document;
    const text = doc.getText();
    const version = doc.version;
    const todo = (await services.analyzer.analyze(lang, text)).filter((f) => !f.doc);
    if (todo.length === 0) {
      void vscode.window.showInformationMessage('Seq2Seq: every function in this file has a doc comment.');
      return false;
    }
    const summaries = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: documenting the file', cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        const out = new Map<AnalyzedFunction, string | undefined>();
        try {
          for (const [i, fn] of todo.entries()) {
            if (abort.signal.aborted) return undefined;
            progress.report({ message: `${fn.shape.name} (${i + 1}/${todo.length})`, increment: 100 / todo.length });
            out.set(fn, await modelSummary(services, lang, fn.code, abort.signal).catch(() => undefined));
          }
          return out;
        } finally {
          sub.dispose();
        }
      },
    );
    if (!summaries) return false;
    if (doc.version !== version) {
      void vscode.window.showWarningMessage(
        'Seq2Seq: the document changed while the comments were written; run it again.',
      );
      return false;
    }
    const { documentAll } = await import('../docs/insert');
    const reqs = new Map<AnalyzedFunction, DocRequest>();
    for (const fn of todo)
      reqs.set(fn, await docRequest(doc, lang, await docDescriptions(services, doc, fn, summaries.get(fn))));
    const insertions = documentAll(todo, (fn) => reqs.get(fn)!, text.split(/\r?\n/), {
      eol: eolOf(doc),
      indentUnit: indentUnit(editor),
    });
    const edit = new vscode.WorkspaceEdit();
    for (const ins of insertions)
      edit.insert(doc.uri, new vscode.Position(ins.line, 0), ins.text, {
        label: `Doc comment above line ${ins.line + 1}`,
        needsConfirmation: true,
      });
    ctx.log.info(`doc comments: ${insertions.length} proposed in ${path.basename(doc.fileName)}`);
    return vscode.workspace.applyEdit(edit);
  };
}
