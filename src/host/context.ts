/**
 * The extension-lifetime context handed to every command factory: the VS Code context, the log,
 * the editor tracker and the status bar. Per-run resources (a training run) live in their own
 * disposable scope created by the command that starts the run.
 */
import * as vscode from 'vscode';
import { EditorTracker } from './editorTracker';
import { StatusBar } from './statusBar';
import type { CorrectionRecorder } from './corrections';

export class Seq2SeqContext implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly editors: EditorTracker;
  readonly statusBar: StatusBar;
  /** Records what the user does with inserted doc comments; set by `activate()`. */
  corrections: CorrectionRecorder | undefined;
  /** Milliseconds `activate()` took, for the status command and the E2E report. */
  activationMs = 0;

  constructor(readonly extension: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('Seq2Seq Studio', { log: true });
    this.editors = new EditorTracker();
    this.statusBar = new StatusBar();
  }

  get extensionUri(): vscode.Uri {
    return this.extension.extensionUri;
  }

  dispose(): void {
    this.statusBar.dispose();
    this.editors.dispose();
    this.log.dispose();
  }
}
