/**
 * The status bar item: active model, backend (the tooltip says why that backend), training
 * progress, the workspace index's size and where the last comment's neighbour came from. Clicking it opens the dashboard while training and the model picker otherwise.
 */
import * as vscode from 'vscode';
import { COMMANDS } from '../commandIds';

export interface StatusState {
  model?: string | undefined;
  backend?: string | undefined;
  backendReason?: string | undefined;
  training?: string | undefined;
  /** The workspace index's size, in words. */
  index?: string | undefined;
  /** Which function the last comment's neighbour came from, in words. */
  neighbour?: string | undefined;
}

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private state: StatusState = {};

  constructor() {
    this.item = vscode.window.createStatusBarItem('seq2seq.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'Seq2Seq Studio';
    this.render();
    this.item.show();
  }

  update(change: Partial<StatusState>): void {
    this.state = { ...this.state, ...change };
    this.render();
  }

  private render(): void {
    const { model, backend, backendReason, training, index, neighbour } = this.state;
    this.item.text = training ? `$(sync~spin) Seq2Seq ${training}` : `$(hubot) Seq2Seq${model ? `: ${model}` : ''}`;
    const lines = [
      `**Seq2Seq Studio**`,
      `Model: ${model ?? 'not loaded yet'}`,
      `Backend: ${backend ?? 'not started yet'}`,
      ...(backendReason ? [backendReason] : []),
      ...(training ? [`Training: ${training}`] : []),
      `Workspace index: ${index ?? 'not built yet'}`,
      ...(neighbour ? [`Last comment: ${neighbour}`] : []),
    ];
    this.item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    this.item.command = training ? COMMANDS.showDashboard : COMMANDS.selectModel;
  }

  dispose(): void {
    this.item.dispose();
  }
}
