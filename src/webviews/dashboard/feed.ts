/**
 * The host's hub between a training run and the dashboard: the training adapter pushes
 * `DashboardEvent`s here whether or not the panel is open; the feed records them in the runs
 * history, keeps the live run (so a panel opened mid-run starts with everything so far) and fans
 * them out to subscribers (the open panel). Stop/Pause/Resume go to the `RunControl` of the run
 * in progress, the same cancel/pause path as the command and the status bar. No `vscode`.
 */
import type { DashboardEvent, RunRecord, RunSummary } from './protocol';
import { RunHistory } from './runHistory';
import { applyEvents, summarize } from './runState';

export interface RunControl {
  stop(): void;
  pause(): void;
  resume(): void;
}

/** What the dashboard panel needs from the host. */
export interface DashboardController extends RunControl {
  listRuns(): Promise<RunSummary[]>;
  loadRun(id: string): Promise<RunRecord | undefined>;
  /** The run in progress (or the last one of this session), or undefined. */
  currentRun(): RunRecord | undefined;
  /** Metrics of a run as CSV (id null: the current run). */
  exportCsv(id: string | null): Promise<{ name: string; csv: string } | undefined>;
  subscribe(listener: (event: DashboardEvent) => void): { dispose(): void };
}

export class DashboardFeed implements DashboardController {
  private record: RunRecord | null = null;
  /** Events not yet folded into `record` (folded lazily: cheap pushes, one copy per read). */
  private unfolded: DashboardEvent[] = [];
  private control: RunControl | undefined;
  private readonly listeners = new Set<(event: DashboardEvent) => void>();
  readonly history: RunHistory;

  constructor(historyDir: string) {
    this.history = new RunHistory(historyDir);
  }

  /** The run in progress' control; set it when a run starts, clear it when it ends. */
  setControl(control: RunControl | undefined): void {
    this.control = control;
  }

  push(event: DashboardEvent): void {
    this.history.append(event);
    if (event.type === 'runStarted') {
      this.record = null;
      this.unfolded = [];
    }
    this.unfolded.push(event);
    if (this.unfolded.length >= 5000) this.fold();
    for (const l of this.listeners) l(event);
  }

  subscribe(listener: (event: DashboardEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  stop(): void {
    this.control?.stop();
  }
  pause(): void {
    this.control?.pause();
  }
  resume(): void {
    this.control?.resume();
  }

  currentRun(): RunRecord | undefined {
    this.fold();
    return this.record ?? undefined;
  }

  async listRuns(): Promise<RunSummary[]> {
    const runs = await this.history.list();
    const live = this.currentRun();
    if (!live) return runs;
    // The file of the live run reads as interrupted; show its live state instead.
    return [summarize(live), ...runs.filter((r) => r.id !== live.run.id)];
  }

  async loadRun(id: string): Promise<RunRecord | undefined> {
    const live = this.currentRun();
    return live?.run.id === id ? live : this.history.read(id);
  }

  async exportCsv(id: string | null): Promise<{ name: string; csv: string } | undefined> {
    const runId = id ?? this.currentRun()?.run.id;
    if (!runId) return undefined;
    await this.history.flush();
    const csv = await this.history.csv(runId);
    return csv === undefined ? undefined : { name: `${runId}.csv`, csv };
  }

  dispose(): void {
    this.listeners.clear();
    void this.history.flush();
  }

  private fold(): void {
    if (!this.unfolded.length) return;
    this.record = applyEvents(this.record, this.unfolded);
    this.unfolded = [];
  }
}
