/**
 * Host side of the attention panel: a singleton webview (`createOrShow`, `revive` after a
 * window reload through a registered serializer), the ready handshake (nothing is posted before
 * the app's `ready`), editor decorations driven by the app's hovers, and saving exports.
 */
import * as vscode from 'vscode';

import { ipcMessage, isIpcMessage, type IpcMessage, type IpcNotification } from '../../protocol/ipc';
import { WebviewReady } from '../protocol';
import { renderWebviewHtml, webviewOptions } from '../webviewHtml';
import { editorLinkFromRef, type EditorLink } from './decorations';
import {
  ExportData,
  ExportResult,
  HoverSource,
  HoverTarget,
  RevealSource,
  ShowAttention,
  type AttentionPanelState,
  type AttentionView,
  type ExportFormat,
} from './protocol';

export const ATTENTION_VIEW_TYPE = 'seq2seq.attention';

export class AttentionPanel {
  static current: AttentionPanel | undefined;

  private ready = false;
  private readonly queue: IpcMessage[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private view: AttentionView | undefined;
  private link: EditorLink | undefined;

  /** Opens the panel beside the editor (or reveals it) and shows `view`. */
  static createOrShow(extensionUri: vscode.Uri, view: AttentionView, editorLink: EditorLink): AttentionPanel {
    const column = vscode.ViewColumn.Beside;
    let panel = AttentionPanel.current;
    if (panel) {
      panel.panel.reveal(column, true);
    } else {
      const webviewPanel = vscode.window.createWebviewPanel(
        ATTENTION_VIEW_TYPE,
        'Attention',
        { viewColumn: column, preserveFocus: true },
        webviewOptions(extensionUri),
      );
      panel = new AttentionPanel(webviewPanel, extensionUri);
    }
    panel.show(view, editorLink);
    return panel;
  }

  /** Restores a panel VS Code kept across a reload; the app restores its own state. */
  static revive(
    webviewPanel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    state: AttentionPanelState | undefined,
  ): AttentionPanel {
    AttentionPanel.current?.dispose();
    const panel = new AttentionPanel(webviewPanel, extensionUri);
    const view = state?.view;
    if (view?.editor) {
      panel.view = view;
      panel.link = editorLinkFromRef(view.editor, view.sourceTokens);
    }
    return panel;
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
  ) {
    AttentionPanel.current = this;
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, { app: 'attention', title: 'Attention' });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((msg: unknown) => void this.onMessage(msg)),
      // A hidden webview is torn down (no retainContextWhenHidden); shown again, it restores its
      // state and sends `ready` anew, so messages wait in the queue meanwhile.
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) {
          this.ready = false;
          this.link?.clear();
        }
      }),
    );
  }

  private show(view: AttentionView, link: EditorLink): void {
    this.link?.dispose();
    this.view = view.editor ? view : { ...view, editor: link.toRef() };
    this.link = link;
    this.panel.title = view.direction === 'code2doc' ? 'Attention: code → comment' : 'Attention: comment → code';
    this.post(ShowAttention, { view: this.view });
  }

  /** Sends a notification to the app, or queues it until the app is ready. */
  private post<M extends string, P>(type: IpcNotification<P, M>, params: NoInfer<P>): void {
    const msg = ipcMessage(type, params);
    if (this.ready) void this.panel.webview.postMessage(msg);
    else this.queue.push(msg);
  }

  private async onMessage(msg: unknown): Promise<void> {
    if (isIpcMessage(msg, WebviewReady)) {
      this.ready = true;
      for (const m of this.queue.splice(0)) void this.panel.webview.postMessage(m);
    } else if (isIpcMessage(msg, HoverTarget)) {
      const { step, weights } = msg.params;
      if (step === null) this.link?.applyHighlights([]);
      else if (this.view && weights.length === this.view.sourceTokens.length) this.link?.applyHighlights(weights);
    } else if (isIpcMessage(msg, HoverSource)) {
      this.link?.outline(msg.params.index);
    } else if (isIpcMessage(msg, RevealSource)) {
      await this.link?.reveal(msg.params.index);
    } else if (isIpcMessage(msg, ExportData)) {
      await this.save(msg.params.format, msg.params.data, msg.params.suggestedName);
    }
  }

  private async save(format: ExportFormat, data: string, suggestedName: string): Promise<void> {
    const filters: Record<ExportFormat, Record<string, string[]>> = {
      png: { 'PNG image': ['png'] },
      svg: { 'SVG image': ['svg'] },
      json: { JSON: ['json'] },
    };
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = suggestedName.replace(/[^\w.-]+/g, '_');
    const target = await vscode.window.showSaveDialog({
      filters: filters[format],
      saveLabel: `Export ${format.toUpperCase()}`,
      ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
    });
    if (!target) {
      this.post(ExportResult, { format, saved: false });
      return;
    }
    try {
      const bytes = format === 'png' ? Buffer.from(data, 'base64') : Buffer.from(data, 'utf8');
      await vscode.workspace.fs.writeFile(target, bytes);
      this.post(ExportResult, { format, saved: true, path: target.fsPath });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(`Could not save the attention export: ${error}`);
      this.post(ExportResult, { format, saved: false, error });
    }
  }

  dispose(): void {
    if (AttentionPanel.current === this) AttentionPanel.current = undefined;
    this.link?.dispose();
    this.link = undefined;
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.panel.dispose();
  }
}

/** Registers the serializer that revives the panel after a window reload (call from activate). */
export function registerAttentionPanelSerializer(extensionUri: vscode.Uri): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(ATTENTION_VIEW_TYPE, {
    async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel, state: unknown) {
      AttentionPanel.revive(webviewPanel, extensionUri, isPanelState(state) ? state : undefined);
    },
  });
}

function isPanelState(state: unknown): state is AttentionPanelState {
  const view = (state as { view?: { version?: unknown } } | null)?.view;
  return typeof view === 'object' && view !== null && view.version === 1;
}
