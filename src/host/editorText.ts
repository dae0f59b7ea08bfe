/**
 * What the editor commands share around the model's text: the services they are handed, the
 * input limit, the editor's line ending and indentation, a cancellable translation and the choice
 * among its candidates.
 */
import * as vscode from 'vscode';
import type { Decoding } from '../core/decoding';
import type { CorpusLanguage } from '../parsing/languages';
import type { ParamDescription, ParamRole } from '../retrieval/paramDescriptions';
import type { FunctionLocator } from './functionLocator';
import { decodingSettings, requestDecoding } from './settings';
import type { SearchServices } from './workspaceIndex';
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
