/**
 * What the doc comment commands and providers are handed: the comment services, the analyzer
 * (loaded on first use) and the one pipeline, and the function a provider asks them to document.
 */
import type * as vscode from 'vscode';
import type { CorpusLanguage } from '../parsing/languages';
import type { AnalyzedFunction, DocAnalyzer } from '../docComments/analyze';
import type { DocPipeline } from './docPipeline';
import type { CommentServices } from './editorText';

/** One analyzer per extension host, loaded on first use; behind one `analyze` entry point. */
export class LazyDocAnalyzer implements vscode.Disposable {
  private real: Promise<DocAnalyzer> | undefined;
  constructor(private readonly wasmDir: string) {}
  async analyze(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction[]> {
    this.real ??= import('../docComments/analyze').then((m) => new m.DocAnalyzer({ wasmDir: this.wasmDir }));
    return (await this.real).analyze(lang, text);
  }
  dispose(): void {
    void this.real?.then((r) => r.dispose());
  }
}

export interface DocServices extends CommentServices {
  readonly analyzer: { analyze(lang: CorpusLanguage, text: string): Promise<AnalyzedFunction[]> };
  readonly pipeline: DocPipeline;
}

/** What the light bulb, the code lens and the completion hand to Generate Doc Comment. */
export interface DocTarget {
  readonly uri: vscode.Uri;
  /** An offset inside the function. */
  readonly offset?: number;
  /** The blank line where the comment goes: where `"""` or `/**` was typed (and cleared). */
  readonly blankLine?: number;
}
