/**
 * Host side of the training dashboard: a singleton webview (`createOrShow`, `revive` after a
 * window reload through a registered serializer) fed by a `DashboardController`. Nothing is posted
 * before the app's `ready`; then the app gets a snapshot of the live run and, after it, the live
 * events coalesced by an `EventThrottle` (at most 10 messages a second). While the webview is
 * hidden (it is torn down: no retainContextWhenHidden) events are dropped; the snapshot sent on
 * the next `ready` covers them. Saves CSV/PNG exports through the save dialog.
 */
import * as vscode from 'vscode';

import { ipcMessage, isIpcMessage, type IpcNotification } from '../../protocol/ipc';
import { WebviewReady } from '../protocol';
import { renderWebviewHtml, webviewOptions } from '../webviewHtml';
import type { DashboardController } from './feed';
import {
  CompareRunLoaded,
  ControlRun,
  DashboardEvents,
  ExportCsv,
  ExportDone,
  ExportPng,
  ListRuns,
  LoadCompareRun,
  RunSnapshot,
  RunsListed,
  type DashboardEvent,
  type ExportKind,
} from './protocol';
import { EventThrottle } from './throttle';

export const DASHBOARD_VIEW_TYPE = 'seq2seq.dashboard';
/** Upper bound on host -> webview messages per second during training. */
export const DASHBOARD_MAX_MESSAGES_PER_SECOND = 10;

export class DashboardPanel {
  static current: DashboardPanel | undefined;

  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly throttle: EventThrottle<DashboardEvent>;

  /** Opens the dashboard (or reveals it) for the given controller. */
  static createOrShow(extensionUri: vscode.Uri, controller: DashboardController): DashboardPanel {
    const existing = DashboardPanel.current;
    if (existing) {
      existing.panel.reveal(undefined, false);
      return existing;
    }
    const webviewPanel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      'Training Dashboard',
      vscode.ViewColumn.Active,
      webviewOptions(extensionUri),
    );
    return new DashboardPanel(webviewPanel, extensionUri, controller);
  }

  /** Restores a panel VS Code kept across a reload; the app restores its own view state. */
  static revive(
    webviewPanel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    controller: DashboardController,
  ): DashboardPanel {
    DashboardPanel.current?.dispose();
    return new DashboardPanel(webviewPanel, extensionUri, controller);
  }

  private constructor(
    private readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly controller: DashboardController,
  ) {
    DashboardPanel.current = this;
    this.throttle = new EventThrottle<DashboardEvent>((events) => this.postNow(DashboardEvents, { events }), {
      maxPerSecond: DASHBOARD_MAX_MESSAGES_PER_SECOND,
      isThinnable: (e) => e.type === 'step',
    });
    panel.webview.options = webviewOptions(extensionUri);
    panel.webview.html = renderWebviewHtml(panel.webview, extensionUri, {
      app: 'dashboard',
      title: 'Training Dashboard',
      extraStyles: ['uPlot.min.css'],
    });
    const subscription = controller.subscribe((event) => this.push(event));
    this.disposables.push(
      { dispose: () => subscription.dispose() },
      { dispose: () => this.throttle.dispose() },
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((msg: unknown) => void this.onMessage(msg)),
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) {
          this.ready = false;
          this.throttle.clear();
        }
      }),
    );
  }

  /** Throughput counters of the throttle (received events, sent events, messages). */
  get stats(): Readonly<EventThrottle<DashboardEvent>['stats']> {
    return this.throttle.stats;
  }

  /** Queues a live event (the controller's subscription calls this; so may the lead directly). */
  push(event: DashboardEvent): void {
    if (this.ready) this.throttle.push(event);
  }

  /** Sends a notification to the app; dropped before its `ready`. */
  private postNow<M extends string, P>(type: IpcNotification<P, M>, params: NoInfer<P>): void {
    if (this.ready) void this.panel.webview.postMessage(ipcMessage(type, params));
  }

  private async onMessage(msg: unknown): Promise<void> {
    if (isIpcMessage(msg, WebviewReady)) {
      this.throttle.clear();
      this.ready = true;
      this.postNow(RunSnapshot, { record: this.controller.currentRun() ?? null });
      this.postNow(RunsListed, { runs: await this.controller.listRuns() });
    } else if (isIpcMessage(msg, ControlRun)) {
      const action = msg.params.action;
      if (action === 'stop') this.controller.stop();
      else if (action === 'pause') this.controller.pause();
      else if (action === 'resume') this.controller.resume();
    } else if (isIpcMessage(msg, ListRuns)) {
      this.postNow(RunsListed, { runs: await this.controller.listRuns() });
    } else if (isIpcMessage(msg, LoadCompareRun)) {
      const id = msg.params.id;
      if (id === null) {
        this.postNow(CompareRunLoaded, { id: null, record: null });
        return;
      }
      const record = (await this.controller.loadRun(id)) ?? null;
      this.postNow(CompareRunLoaded, { id, record, ...(record ? {} : { error: `Run ${id} could not be read.` }) });
    } else if (isIpcMessage(msg, ExportCsv)) {
      const result = await saveRunCsv(this.controller, msg.params.runId);
      this.postNow(ExportDone, { kind: 'csv', ...result });
    } else if (isIpcMessage(msg, ExportPng)) {
      const result = await saveExport('png', msg.params.suggestedName, Buffer.from(msg.params.base64, 'base64'));
      this.postNow(ExportDone, { kind: 'png', ...result });
    }
  }

  dispose(): void {
    if (DashboardPanel.current === this) DashboardPanel.current = undefined;
    this.ready = false;
    while (this.disposables.length) this.disposables.pop()?.dispose();
    this.panel.dispose();
  }
}

export interface SaveResult {
  readonly saved: boolean;
  readonly path?: string;
  readonly error?: string;
}

/** Asks where to save a run's metrics as CSV and writes them (id null: the current run). */
export async function saveRunCsv(controller: DashboardController, runId: string | null): Promise<SaveResult> {
  const data = await controller.exportCsv(runId);
  if (!data) {
    void vscode.window.showInformationMessage('No training run to export yet: start a fine-tune first.');
    return { saved: false, error: 'no run' };
  }
  return saveExport('csv', data.name, Buffer.from(data.csv, 'utf8'));
}

async function saveExport(kind: ExportKind, suggestedName: string, bytes: Uint8Array): Promise<SaveResult> {
  const filters: Record<ExportKind, Record<string, string[]>> = {
    csv: { CSV: ['csv'] },
    png: { 'PNG image': ['png'] },
  };
  const base = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = suggestedName.replace(/[^\w.-]+/g, '_');
  const target = await vscode.window.showSaveDialog({
    filters: filters[kind],
    saveLabel: `Export ${kind.toUpperCase()}`,
    ...(base ? { defaultUri: vscode.Uri.joinPath(base, name) } : {}),
  });
  if (!target) return { saved: false };
  try {
    await vscode.workspace.fs.writeFile(target, bytes);
    return { saved: true, path: target.fsPath };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    void vscode.window.showErrorMessage(`Could not save the ${kind.toUpperCase()} export: ${error}`);
    return { saved: false, error };
  }
}

/**
 * Registers the serializer that revives the dashboard after a window reload (call from activate;
 * also add `onWebviewPanel:seq2seq.dashboard` to activationEvents). The provider is called lazily,
 * so the controller (and its history folder) is created only when a panel is revived.
 */
export function registerDashboardSerializer(
  context: vscode.ExtensionContext,
  controllerProvider: () => DashboardController,
): vscode.Disposable {
  const registration = vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, {
    async deserializeWebviewPanel(webviewPanel: vscode.WebviewPanel) {
      DashboardPanel.revive(webviewPanel, context.extensionUri, controllerProvider());
    },
  });
  context.subscriptions.push(registration);
  return registration;
}
