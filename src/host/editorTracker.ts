/**
 * Remembers the last focused text editor and its selection. When one of our webviews has the
 * focus `vscode.window.activeTextEditor` is undefined, yet selection commands must keep working.
 */
import * as vscode from 'vscode';

export class EditorTracker implements vscode.Disposable {
  private last: vscode.TextEditor | undefined;
  private readonly subscription: vscode.Disposable;

  constructor() {
    this.last = vscode.window.activeTextEditor;
    this.subscription = vscode.window.onDidChangeActiveTextEditor((editor) => {
      if (editor) this.last = editor;
    });
  }

  /** The active editor, or the last one when a panel has the focus and it is still open. */
  get editor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    if (active) return active;
    const last = this.last;
    if (last && vscode.window.visibleTextEditors.includes(last)) return last;
    return undefined;
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
