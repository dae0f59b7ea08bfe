/**
 * The status bar item: active model, backend (the tooltip says why that backend), training
 * progress, the workspace index's size, where the last comment's neighbour came from, and what the
 * workspace's model is learning or last learned (src/host/learning.ts). Clicking it opens the
 * dashboard while training or learning and the model picker otherwise; the tooltip links to the
 * learning history and the dashboard.
 */
import * as vscode from 'vscode';
import { COMMANDS } from './commandIds';

export interface StatusState {
  model?: string | undefined;
  backend?: string | undefined;
  backendReason?: string | undefined;
  training?: string | undefined;
  /** The workspace index's size, in words. */
  index?: string | undefined;
  /** Which function the last comment's neighbour came from, in words. */
  neighbour?: string | undefined;
  /** What a learning run in progress is doing ("learning from 6 of your comments…"). */
  learning?: string | undefined;
  /** What the last learning run did ("learned from 14 of your comments, +3.1 chrF …"). */
  learned?: string | undefined;
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
    const { model, backend, backendReason, training, index, neighbour, learning, learned } = this.state;
    this.item.text = learning
      ? `$(mortar-board) Seq2Seq ${learning}${training ? ` · ${training}` : ''}`
      : training
        ? `$(sync~spin) Seq2Seq ${training}`
        : `$(hubot) Seq2Seq${model ? `: ${model}` : ''}`;
    const lines = [
      `**Seq2Seq Studio**`,
      `Model: ${model ?? 'not loaded yet'}`,
      `Backend: ${backend ?? 'not started yet'}`,
      ...(backendReason ? [backendReason] : []),
      ...(training ? [`Training: ${training}`] : []),
      `Workspace index: ${index ?? 'not built yet'}`,
      ...(neighbour ? [`Last comment: ${neighbour}`] : []),
      ...(learning ? [`Learning: ${learning}`] : []),
      ...(learned ? [`Last learning run: ${learned}`] : []),
      `[Learning history](command:${COMMANDS.showLearningHistory}) · [Dashboard](command:${COMMANDS.showDashboard})`,
    ];
    const tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    // Only this extension's own two commands run from the links.
    tooltip.isTrusted = { enabledCommands: [COMMANDS.showLearningHistory, COMMANDS.showDashboard] };
    this.item.tooltip = tooltip;
    this.item.command = training || learning ? COMMANDS.showDashboard : COMMANDS.selectModel;
  }

  dispose(): void {
    this.item.dispose();
  }
}
