/**
 * "Generate doc comment" code lenses above functions that have none, for supported languages,
 * while `seq2seq.codeLens.enabled` is on: by default only above public ones
 * (`seq2seq.codeLens.functions`, see src/docComments/conventions.ts for why and what counts), so a
 * big file is not covered in lenses. A lens runs Generate Doc Comment for its function, the same
 * pipeline as every other entry point. Parsing runs in the parse worker, only after typing has
 * paused (debounced), and results are cached per document version. Minified, generated and
 * over-large files get no lenses (the miner's own file rules), and a file that could not be
 * parsed within the limits is not tried again until it changes.
 */
import * as vscode from 'vscode';
import { fileSkipReason } from '../mining/filters';
import { isPublicFunction } from '../docComments/conventions';
import { LANGUAGE_IDS } from './languages';
import { codeLensSettings } from './settings';
import type { FunctionLocator, LocatedFunction } from './functionLocator';
import { COMMANDS } from './commandIds';

/** Lenses wait this long after the last edit before parsing (milliseconds). */
export const LENS_DEBOUNCE_MS = 500;

function pause(ms: number, token: vscode.CancellationToken): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const sub = token.onCancellationRequested(done);
    function done(): void {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    }
  });
}

export class DocCommentLensProvider implements vscode.CodeLensProvider {
  private readonly cache = new Map<string, { version: number; functions: LocatedFunction[] }>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly locator: FunctionLocator) {}

  refresh(): void {
    this.emitter.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    const settings = codeLensSettings(doc);
    if (!settings.enabled) return [];
    const onlyPublic = settings.functions === 'public';
    const lang = LANGUAGE_IDS[doc.languageId];
    if (!lang || doc.lineCount > 20_000) return [];
    const key = doc.uri.toString();
    let entry = this.cache.get(key);
    if (!entry || entry.version !== doc.version) {
      // Until typing has paused. An edit during the pause waits again rather than answering no
      // lenses: VS Code cancels this request only when it sends the next one, and an answer of none
      // before that would take every lens away until the next one comes back.
      let version: number;
      do {
        version = doc.version;
        await pause(LENS_DEBOUNCE_MS, token);
        if (token.isCancellationRequested) return [];
      } while (doc.version !== version);
      const text = doc.getText();
      let functions: LocatedFunction[] = [];
      if (!fileSkipReason(doc.uri.fsPath, text, { ignoreFolderNames: true })) {
        // Too large or too slow to parse: no lenses for this version.
        functions = await this.locator.functions(lang, text).catch(() => []);
      }
      if (token.isCancellationRequested) return [];
      entry = { version, functions };
      this.cache.set(key, entry);
    }
    const { functions } = entry;
    const text = onlyPublic ? doc.getText() : '';
    return functions
      .filter((f) => !f.documented && (!onlyPublic || isPublicFunction(lang, f, functions, text)))
      .map((f) => {
        const line = f.headerLine ?? f.startLine;
        return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: '$(sparkle) Generate doc comment',
          tooltip: `Seq2Seq: write a doc comment for ${f.name || 'this function'}`,
          command: COMMANDS.generateDocComment,
          arguments: [{ uri: doc.uri, offset: f.startOffset }],
        });
      });
  }

  forget(doc: vscode.TextDocument): void {
    this.cache.delete(doc.uri.toString());
  }

  dispose(): void {
    this.emitter.dispose();
    this.cache.clear();
  }
}
