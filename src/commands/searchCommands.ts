/**
 * Find Code by Description and Rebuild Workspace Index. The search runs in the worker over the
 * workspace index (BM25, then the model's re-rank); results open in a QuickPick with file, line
 * and the function's own summary, the code previewed in the editor as an entry is highlighted,
 * Enter reveals it. Nothing here edits a file.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from '../host/context';
import { UNTRUSTED_MESSAGE, type SearchServices } from '../host/workspaceIndex';
import type { CodeSearchHit } from '../worker/protocol';

/** Results shown per search. */
export const SEARCH_LIMIT = 20;

export function hitUri(hit: Pick<CodeSearchHit, 'root' | 'path'>): vscode.Uri {
  return vscode.Uri.file(path.join(hit.root, ...hit.path.split('/')));
}

/**
 * Searches the workspace for `query` behind a progress notification; undefined when the index
 * cannot be built here (said to the user), cancelled or failed.
 */
export async function searchWorkspace(
  ctx: Seq2SeqContext,
  services: SearchServices,
  query: string,
): Promise<readonly CodeSearchHit[] | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(UNTRUSTED_MESSAGE);
    return undefined;
  }
  if (!services.index.available) {
    void vscode.window.showInformationMessage('Seq2Seq: open a folder to search its functions.');
    return undefined;
  }
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Seq2Seq: searching the workspace…', cancellable: true },
    async (_p, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        await services.index.ensure();
        const started = performance.now();
        const hits = await services.engine.searchCode(query, SEARCH_LIMIT, abort.signal);
        ctx.log.info(
          `search: ${JSON.stringify(query)}: ${hits.length} results in ${Math.round(performance.now() - started)} ms`,
        );
        return hits;
      } catch (e) {
        if (!abort.signal.aborted)
          void vscode.window.showErrorMessage(`Seq2Seq: search failed: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
}

/** Opens the function at its line; `preview` keeps focus in the QuickPick. */
export async function revealHit(hit: CodeSearchHit, preview: boolean): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(hitUri(hit));
  const line = Math.max(0, Math.min(doc.lineCount - 1, hit.line - 1));
  const range = new vscode.Range(line, 0, line, 0);
  const editor = await vscode.window.showTextDocument(doc, { preview, preserveFocus: preview, selection: range });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}

interface HitItem extends vscode.QuickPickItem {
  readonly hit: CodeSearchHit;
}

export function hitItem(hit: CodeSearchHit): HitItem {
  return {
    label: `$(symbol-function) ${hit.name}`,
    description: `${hit.path}:${hit.line}`,
    detail: hit.summary ?? '(no doc comment)',
    hit,
  };
}

export function findCode(ctx: Seq2SeqContext, services: SearchServices) {
  return async (given?: string): Promise<CodeSearchHit | undefined> => {
    const query =
      typeof given === 'string'
        ? given
        : await vscode.window.showInputBox({
            title: 'Seq2Seq: Find Code by Description',
            prompt: 'Describe what the code does',
            placeHolder: 'e.g. read a JSON file and return its contents',
          });
    if (!query?.trim()) return undefined;
    const hits = await searchWorkspace(ctx, services, query.trim());
    if (!hits) return undefined;
    if (hits.length === 0) {
      void vscode.window.showInformationMessage(`Seq2Seq: no function in the workspace matches "${query}".`);
      return undefined;
    }
    const original = vscode.window.activeTextEditor;
    const pick = vscode.window.createQuickPick<HitItem>();
    pick.title = `Seq2Seq: code for "${query}"`;
    pick.placeholder = 'Best first (BM25, re-ranked by the model); Enter opens the function';
    pick.matchOnDescription = true;
    pick.matchOnDetail = true;
    pick.items = hits.map(hitItem);
    const chosen = await new Promise<CodeSearchHit | undefined>((resolve) => {
      let accepted: CodeSearchHit | undefined;
      pick.onDidChangeActive((items) => {
        const item = items[0];
        if (item) void revealHit(item.hit, true).catch(() => undefined);
      });
      pick.onDidAccept(() => {
        accepted = pick.selectedItems[0]?.hit;
        pick.hide();
      });
      pick.onDidHide(() => {
        pick.dispose();
        resolve(accepted);
      });
      pick.show();
    });
    if (chosen) await revealHit(chosen, false);
    else if (original) await vscode.window.showTextDocument(original.document, original.viewColumn);
    return chosen;
  };
}

export function rebuildIndex(services: SearchServices) {
  return async (): Promise<void> => {
    const summaries = await services.index.rebuild(true);
    if (summaries)
      void vscode.window.showInformationMessage(
        `Seq2Seq: workspace index rebuilt: ${services.index.sizeText() ?? 'empty'}.`,
      );
  };
}
