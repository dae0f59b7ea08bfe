/**
 * The extension host's side of the workspace index: asks the worker to build (or load and bring
 * up to date) the index of each workspace folder on first use, re-mines a file when it is saved
 * or deleted, keeps the index in the workspace's storage (context.storageUri) between sessions,
 * and shows its size in the status bar's tooltip. An untrusted workspace is never indexed: its
 * files are not opened, and the commands say why.
 */
import { createHash } from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import { isCancellation } from '../core/cancellation';
import type { Seq2SeqContext } from './context';
import type { IndexProgressParams, IndexSettings, IndexSummary } from '../worker/protocol';
import type { EngineHost } from './engineHost';
import { corpusSettings } from './settings';

export const UNTRUSTED_MESSAGE =
  'Seq2Seq: the workspace index is not built in an untrusted workspace (it would read every source file). ' +
  'Trust the workspace (Manage Workspace Trust) to search it and to borrow its comments.';

/** What workspace search needs: the engine that ranks and the index it ranks over. */
export interface SearchServices {
  readonly engine: EngineHost;
  readonly index: WorkspaceIndexHost;
}

export class WorkspaceIndexHost implements vscode.Disposable {
  private building: Promise<IndexSummary[]> | undefined;
  private readonly summaries = new Map<string, IndexSummary>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly ctx: Seq2SeqContext,
    private readonly engine: EngineHost,
    private readonly storage: vscode.Uri | undefined,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidSaveTextDocument((doc) => void this.fileChanged(doc.uri, doc.getText())),
      vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => void this.fileChanged(uri, undefined))),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.foldersChanged()),
    );
  }

  /** Whether the index may be built here (a trusted workspace with a folder open). */
  get available(): boolean {
    return vscode.workspace.isTrusted && (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  }

  /** Whether a build has finished since the extension started (loading a saved index counts). */
  get built(): boolean {
    return this.summaries.size > 0;
  }

  /** Builds the index once (later calls share it); [] in an untrusted or folder-less workspace. */
  ensure(): Promise<IndexSummary[]> {
    if (!this.available) return Promise.resolve([]);
    this.building ??= this.build(false);
    this.building.catch(() => (this.building = undefined));
    return this.building;
  }

  /** "Rebuild Workspace Index": mines every file again, with a cancellable notification. */
  async rebuild(fromScratch = true): Promise<IndexSummary[] | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE);
      return undefined;
    }
    if (!this.available) {
      void vscode.window.showInformationMessage('Seq2Seq: open a folder to index its functions.');
      return undefined;
    }
    this.building = this.build(fromScratch, true);
    this.building.catch(() => (this.building = undefined));
    return this.building.then(
      (s) => s,
      (e: unknown) => {
        if (!isCancellation(e))
          void vscode.window.showErrorMessage(
            `Seq2Seq: indexing failed: ${e instanceof Error ? e.message : String(e)}`,
          );
        return undefined;
      },
    );
  }

  /** Added or removed folders: an index already built is brought up to date (unchanged files kept). */
  private foldersChanged(): void {
    if (!this.building || !this.available) return;
    this.building = this.building.catch(() => []).then(() => this.build(false));
    this.building.catch(() => (this.building = undefined));
  }

  private settingsFor(root: string): IndexSettings {
    const key = createHash('sha1').update(root).digest('hex').slice(0, 12);
    return {
      root,
      ...corpusSettings(),
      ...(this.storage ? { storageFile: path.join(this.storage.fsPath, 'workspace-index', `${key}.json`) } : {}),
    };
  }

  private async build(fromScratch: boolean, notify = false): Promise<IndexSummary[]> {
    await this.engine.ensureBackend();
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const location = notify ? vscode.ProgressLocation.Notification : vscode.ProgressLocation.Window;
    return vscode.window.withProgress(
      { location, title: 'Seq2Seq: indexing the workspace', cancellable: notify },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        const report = (p: IndexProgressParams): void =>
          progress.report({ message: `${p.files} files — ${path.basename(p.file)}` });
        try {
          this.summaries.clear();
          for (const root of roots) {
            const s = await this.engine.buildIndex(
              { ...this.settingsFor(root), rebuild: fromScratch },
              report,
              abort.signal,
            );
            this.summaries.set(root, s);
            this.ctx.log.info(
              `index: ${root}: ${s.functions} functions (${s.documented} documented) in ${s.files} files, ${s.reMined} mined now`,
            );
          }
          this.showSize();
          return [...this.summaries.values()];
        } finally {
          sub.dispose();
        }
      },
    );
  }

  private async fileChanged(uri: vscode.Uri, content: string | undefined): Promise<void> {
    if (uri.scheme !== 'file' || !this.building || !vscode.workspace.isTrusted) return;
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) return;
    try {
      await this.building;
      const root = folder.uri.fsPath;
      const s = await this.engine.updateIndex({
        root,
        file: uri.fsPath,
        ...(content !== undefined ? { content } : {}),
      });
      this.summaries.set(root, s);
      this.showSize();
    } catch (e) {
      this.ctx.log.warn(`index: ${uri.fsPath} not re-mined: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Documented functions over every indexed folder, or undefined before the first build. */
  documentedCount(): number | undefined {
    if (this.summaries.size === 0) return undefined;
    return [...this.summaries.values()].reduce((n, s) => n + s.documented, 0);
  }

  /** `1,234 functions (310 documented) in 87 files`, or undefined before the first build. */
  sizeText(): string | undefined {
    if (this.summaries.size === 0) return undefined;
    const all = [...this.summaries.values()];
    const sum = (k: 'functions' | 'documented' | 'files'): number => all.reduce((n, s) => n + s[k], 0);
    return `${sum('functions').toLocaleString('en-US')} functions (${sum('documented').toLocaleString('en-US')} documented) in ${sum('files').toLocaleString('en-US')} files`;
  }

  private showSize(): void {
    const text = this.sizeText();
    if (text) this.ctx.statusBar.update({ index: text });
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
  }
}
