/**
 * Mining the open workspace's documented functions, shared by Fine-tune on Workspace and Evaluate
 * Model: runs in the worker (`.gitignore`, `files.exclude` and the `seq2seq.corpus.*` globs
 * honoured) behind a cancellable progress notification.
 */
import { requireTrust } from '../host/trust';
import * as path from 'path';
import * as vscode from 'vscode';
import type { EngineHost } from '../host/engineHost';
import type { MineResult } from '../worker/protocol';
import { corpusSettings } from '../host/settings';

/**
 * Mines every workspace folder into the JSONL file `out`; undefined when cancelled or failed
 * (a failure is shown to the user).
 */
export async function mineWorkspace(engine: Pick<EngineHost, 'mine'>, out: string): Promise<MineResult | undefined> {
  if (!requireTrust('Mining the workspace')) return undefined;
  const corpus = corpusSettings();
  const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: 'Seq2Seq: finding documented functions',
      cancellable: true,
    },
    async (progress, token) => {
      const abort = new AbortController();
      const sub = token.onCancellationRequested(() => abort.abort());
      try {
        return await engine.mine(
          { roots, ...corpus, out },
          (p) => progress.report({ message: `${p.files} files, ${p.pairs} pairs — ${path.basename(p.file)}` }),
          abort.signal,
        );
      } catch (e) {
        if (!abort.signal.aborted)
          void vscode.window.showErrorMessage(`Seq2Seq: mining failed: ${(e as Error).message}`);
        return undefined;
      } finally {
        sub.dispose();
      }
    },
  );
}

/** `python 12, javascript 3`, most first. */
export function perLanguageSummary(perLanguage: Readonly<Record<string, number>>): string {
  return Object.entries(perLanguage)
    .sort((a, b) => b[1] - a[1])
    .map(([lang, n]) => `${lang} ${n}`)
    .join(', ');
}
