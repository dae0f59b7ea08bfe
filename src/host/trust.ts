/**
 * Restricted Mode (an untrusted workspace): the extension declares limited support. Translating
 * the selection runs, since it only reads what the user selected; mining, fine-tuning, evaluation
 * and building an example index read or run over the whole workspace, so they ask for trust.
 */
import * as vscode from 'vscode';

/** True when the workspace is trusted; otherwise says why `action` is refused and returns false. */
export function requireTrust(action: string): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window
    .showWarningMessage(
      `Seq2Seq: ${action} reads every file of the workspace, which is not trusted (Restricted Mode). Trust the folder to use it; commenting and translating a selection work without trust.`,
      'Manage Workspace Trust',
    )
    .then((a) => a && vscode.commands.executeCommand('workbench.trust.manage'));
  return false;
}
