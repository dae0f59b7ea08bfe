/**
 * The one pipeline behind every way of asking for a doc comment: Generate Doc Comment, the light
 * bulb, the code lens, Comment Selection on a function, typing `"""` or `/**`, and Document All.
 * For one function and one file state every entry point runs the same steps, so they write the
 * same text:
 *
 * 1. the workspace index, started on first need (it builds in the worker, in the background, with
 *    its progress shown) and awaited, so that the model's neighbour and the parameter
 *    descriptions always come from the same index;
 * 2. one code → comment request (`summaryRequest`: the decoding settings read once, the file named
 *    so the neighbour comes from its workspace), and its best candidate;
 * 3. the descriptions: the summary, and parameters from the index or the parameter model;
 * 4. the layout in the document's format (src/docComments), as snippet text for the editor.
 *
 * Nothing here shows UI of its own: the commands own the progress notification, the messages and
 * the edit. Analysis, layout and decoding load lazily, on first use.
 */
import * as vscode from 'vscode';
import type { CorpusLanguage } from '../parsing/languages';
import type { ParamDescription, ParamRole } from '../retrieval/paramDescriptions';
import { acceptedSummary } from '../docComments/textGate';
import type { AnalyzedFunction } from '../docComments/analyze';
import type { DocDescriptions, DocRequest } from '../docComments/builder';
import type { DocInsertion } from '../docComments/insert';
import { eolOf } from './editorText';
import {
  functionOrigin,
  type Neighbour,
  type TranslateRequest,
  type Translation,
  type Translator,
} from '../inference/translation';
import { docCommentSettings, requestDecoding } from './settings';

/** The workspace index as the pipeline needs it (WorkspaceIndexHost). */
export interface DocIndex {
  /** Whether it can be built here (a trusted workspace with a folder). */
  readonly available: boolean;
  /** Whether a first build has finished. */
  readonly built: boolean;
  /** Builds it once; later calls share the build. */
  ensure(): Promise<unknown>;
}

export interface DocPipelineServices {
  readonly translator: () => Promise<Translator>;
  readonly analyzer: { analyze(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction[]> };
  readonly index?: DocIndex | undefined;
  /**
   * Descriptions for parameter names of the function `code` in `file`: the index's for a parameter
   * in the same role (`roles`), else the parameter model's.
   */
  readonly paramDescriptions?:
    | ((
        file: string,
        names: readonly string[],
        code?: string,
        roles?: Readonly<Record<string, ParamRole>>,
      ) => Promise<Readonly<Record<string, ParamDescription>>>)
    | undefined;
  readonly log?: { info(message: string): void; warn(message: string): void } | undefined;
  /** Where the model's neighbour came from, after each decoding (the status bar's tooltip). */
  readonly onNeighbour?: ((where: string) => void) | undefined;
}

/** Progress and cancellation of the command that runs the pipeline. */
export interface PipelineProgress {
  report(message: string): void;
  readonly signal?: AbortSignal | undefined;
}

/** The code → comment result for one function: the candidates, or why there are none. */
export interface SummaryResult {
  readonly translation?: Translation;
  /**
   * The best candidate when the text gate accepts it (src/docComments/textGate.ts `acceptedSummary`),
   * else undefined and the comment keeps its summary placeholder.
   */
  readonly summary?: string;
  /** Why the model gave nothing (an error the user can act on), when it failed. */
  readonly error?: string;
}

/** The innermost analysed function containing `offset`. */
export function functionAt(functions: readonly AnalyzedFunction[], offset: number): AnalyzedFunction | undefined {
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

/** One level of indentation in this editor (a Python body without statements yet gets it). */
export function indentUnit(options: vscode.TextEditorOptions | undefined): string {
  return options?.insertSpaces === false
    ? '\t'
    : ' '.repeat(typeof options?.tabSize === 'number' ? options.tabSize : 4);
}

/**
 * A document's text as the pipeline reads it. With `blankLine`, that line is left out: it is where
 * `"""` or `/**` was typed (and cleared by the completion), so the function reads as it did before
 * the user started the comment, and gives the same text as any other entry point.
 */
export class DocText {
  readonly text: string;
  readonly lines: string[];
  constructor(
    readonly doc: vscode.TextDocument,
    readonly blankLine?: number,
  ) {
    const lines = doc.getText().split(/\r?\n/);
    if (blankLine !== undefined) lines.splice(blankLine, 1);
    this.lines = lines;
    this.text = blankLine === undefined ? doc.getText() : lines.join(eolOf(doc));
  }

  /** Where an insertion planned on this text goes in the document (replacing the blank line when it is there). */
  location(line: number): vscode.Position | vscode.Range {
    if (this.blankLine === undefined || line < this.blankLine) return new vscode.Position(line, 0);
    if (line === this.blankLine) return this.doc.lineAt(this.blankLine).rangeIncludingLineBreak;
    return new vscode.Position(line + 1, 0);
  }
}

export class DocPipeline {
  constructor(private readonly services: DocPipelineServices) {}

  /** Every function (and Python class) of a text, with its doc comment when it has one. */
  functions(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction[]> {
    return this.services.analyzer.analyze(lang, text);
  }

  /**
   * The function whose doc comment goes on `view`'s left-out line: the Python function whose body
   * starts there, or the function whose header follows it. A Python function with no body but
   * that line is read with `pass` in its place.
   */
  async functionForBlankLine(lang: CorpusLanguage, view: DocText): Promise<AnalyzedFunction | undefined> {
    const line = view.blankLine;
    if (line === undefined) return undefined;
    const owns = (f: AnalyzedFunction): boolean =>
      lang === 'python' ? f.bodyLine === line && f.startLine < line : f.headerLine === line;
    const found = (await this.functions(lang, view.text)).find(owns);
    if (found || lang !== 'python') return found;
    const lines = view.doc.getText().split(/\r?\n/);
    lines[line] = `${/^[ \t]*/.exec(lines[line] ?? '')![0]}pass`;
    return (await this.functions(lang, lines.join(eolOf(view.doc)))).find(owns);
  }

  /**
   * Waits for the workspace index: started here on first need, awaited whatever the entry point
   * (so the neighbour and parameter descriptions never depend on which one asked first). False
   * when cancelled; a failed build is logged and the comment is written without the index.
   */
  async indexReady(progress?: PipelineProgress): Promise<boolean> {
    const index = this.services.index;
    if (!index?.available) return true;
    if (!index.built) progress?.report('indexing the workspace (first use; later comments reuse it)…');
    const build = index.ensure().then(
      () => true,
      (e: unknown) => {
        this.services.log?.warn(`doc comment: the workspace index failed (${e instanceof Error ? e.message : e})`);
        return true;
      },
    );
    const signal = progress?.signal;
    if (!signal) return build;
    if (signal.aborted) return false;
    return Promise.race([
      build,
      new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(false), { once: true })),
    ]);
  }

  /** The one code → comment request every entry point sends for `code`. */
  summaryRequest(lang: CorpusLanguage, code: string, file: string | undefined): TranslateRequest {
    return {
      direction: 'code2doc',
      text: code,
      language: lang,
      ...(file ? { file } : {}),
      decoding: requestDecoding(),
    };
  }

  /** Decodes `code`'s summary; never throws (an error becomes `error`; a cancel, an empty result). */
  async summarize(
    lang: CorpusLanguage,
    code: string,
    file: string | undefined,
    signal?: AbortSignal,
  ): Promise<SummaryResult> {
    try {
      const translator = await this.services.translator();
      const translation = await translator.translate(this.summaryRequest(lang, code, file), signal);
      if (translation.neighbour) this.services.onNeighbour?.(neighbourText(translation.neighbour));
      // The text gate: a broken or unsure sentence leaves the summary's placeholder.
      const summary = acceptedSummary(translation.candidates, code);
      return { translation, ...(summary !== undefined ? { summary } : {}) };
    } catch (e) {
      if (signal?.aborted) return {};
      const error = e instanceof Error ? e.message : String(e);
      this.services.log?.info(`doc comment: no summary (${error})`);
      return { error };
    }
  }

  /**
   * What goes into a function's doc comment besides its layout: the summary, and for each
   * parameter what the workspace already says about a parameter of that name and role (type,
   * default) in its other files, else the parameter model's description when it is sure enough
   * (`parameterDescriptions`); and the function's code, which the text gate reads. Missing ones
   * stay placeholders.
   */
  async descriptions(
    doc: vscode.TextDocument,
    fn: AnalyzedFunction,
    summary: string | undefined,
  ): Promise<DocDescriptions> {
    const names = fn.shape.params.map((p) => p.name);
    const roles: Record<string, ParamRole> = {};
    for (const p of fn.shape.params)
      roles[p.name] = {
        ...(p.type !== undefined ? { type: p.type } : {}),
        ...(p.default !== undefined ? { default: p.default } : {}),
      };
    const source = docCommentSettings(doc).parameterDescriptions;
    let params: Readonly<Record<string, ParamDescription>> = {};
    const describe = this.services.paramDescriptions;
    if (describe && doc.uri.scheme === 'file' && names.length > 0 && source !== 'none')
      try {
        params = await describe(doc.uri.fsPath, names, source === 'workspaceAndModel' ? fn.code : undefined, roles);
      } catch (e) {
        // The worker restarting: placeholders then.
        this.services.log?.info(`doc comment: no parameter descriptions (${e instanceof Error ? e.message : e})`);
      }
    return {
      ...(summary ? { summary } : {}),
      ...(Object.keys(params).length > 0 ? { params } : {}),
      code: fn.code,
    };
  }

  /**
   * The layout request for a document (format and sections per language, whether a borrowed
   * description names its source) with these descriptions.
   */
  async request(doc: vscode.TextDocument, lang: CorpusLanguage, descriptions: DocDescriptions): Promise<DocRequest> {
    const { resolveFormat, resolveSections } = await import('../docComments/formats');
    const c = docCommentSettings(doc);
    return {
      lang,
      format: resolveFormat(lang, c.format),
      sections: resolveSections(c.sections),
      descriptions,
      markBorrowed: c.markBorrowed,
    };
  }

  /**
   * The doc comment for `fn` in `view` as snippet text (placeholders to Tab through, no final
   * tab stop yet) and the line it goes on; undefined when there is no line for it (a Python body
   * on its `def`'s line).
   */
  async insertion(
    view: DocText,
    lang: CorpusLanguage,
    fn: AnalyzedFunction,
    summary: string | undefined,
    indent: string,
  ): Promise<DocInsertion | undefined> {
    const { planDocInsertion } = await import('../docComments/insert');
    const req = await this.request(view.doc, lang, await this.descriptions(view.doc, fn, summary));
    return planDocInsertion(fn, req, view.lines, { eol: eolOf(view.doc), indentUnit: indent, snippet: true });
  }
}

function neighbourText(n: Neighbour): string {
  return n.source === 'workspace' ? `neighbour ${functionOrigin(n)}` : "neighbour from the model's bundled examples";
}
