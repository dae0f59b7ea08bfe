/**
 * Handlers for contributed commands whose feature has not been built yet. They say so plainly
 * instead of producing fake output.
 */
import * as vscode from 'vscode';

export function notAvailableYet(title: string) {
  return async (): Promise<void> => {
    await vscode.window.showInformationMessage(
      `Seq2Seq: "${title}" is not available yet in this version of Seq2Seq Studio.`,
    );
  };
}
