/**
 * "Generate doc comment" code lenses above functions that have none, for supported languages,
 * while `seq2seq.codeLens.enabled` is on. Parsing is lazy (first request) and results are cached
 * per document version, so typing does not re-parse for every lens request.
 */
import * as vscode from 'vscode';
import { LANGUAGE_IDS } from './languages';
import type { FunctionLocator, LocatedFunction } from './functionLocator';

export class DocCommentLensProvider implements vscode.CodeLensProvider {
  private readonly cache = new Map<string, { version: number; functions: LocatedFunction[] }>();
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;

  constructor(private readonly locator: FunctionLocator) {}

  refresh(): void {
    this.emitter.fire();
  }

  async provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken): Promise<vscode.CodeLens[]> {
    if (!vscode.workspace.getConfiguration('seq2seq').get<boolean>('codeLens.enabled', true)) return [];
    const lang = LANGUAGE_IDS[doc.languageId];
    if (!lang || doc.lineCount > 20_000) return [];
    const key = doc.uri.toString();
    let entry = this.cache.get(key);
    if (!entry || entry.version !== doc.version) {
      const functions = await this.locator.functions(lang, doc.getText());
      if (token.isCancellationRequested) return [];
      entry = { version: doc.version, functions };
      this.cache.set(key, entry);
    }
    return entry.functions
      .filter((f) => !f.documented)
      .map((f) => {
        const line = f.headerLine ?? f.startLine;
        return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: '$(sparkle) Generate doc comment',
          tooltip: `Seq2Seq: write a doc comment for ${f.name || 'this function'}`,
          command: 'seq2seq.commentSelection',
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
