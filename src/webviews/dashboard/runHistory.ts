/**
 * Runs history on disk: one JSONL file per run in a folder the host gives (the extension's
 * global storage), each line one `DashboardEvent` exactly as the dashboard received it, so
 * reading a run back is the same fold (`applyEvents`) as watching it live. Appends are buffered
 * and written in order by one chain of `appendFile`s; a torn last line (crash) is skipped on
 * read. Node only (fs), no `vscode`.
 */
import { promises as fs } from 'fs';
import * as path from 'path';

import { metricsToCsv } from './csv';
import type { DashboardEvent, RunRecord, RunSummary } from './protocol';
import { applyEvents, summarize } from './runState';

const EXT = '.jsonl';

export function runFileName(id: string): string {
  return `${id.replace(/[^\w.-]+/g, '_')}${EXT}`;
}

export class RunHistory {
  private buffer: string[] = [];
  private file: string | undefined;
  private chain: Promise<void> = Promise.resolve();
  private scheduled = false;

  constructor(readonly dir: string) {}

  /** Records an event; a `runStarted` opens a new file. Writes are batched on a microtask. */
  append(event: DashboardEvent): void {
    if (event.type === 'runStarted') {
      this.writeBuffered();
      this.file = path.join(this.dir, runFileName(event.run.id));
    }
    if (!this.file) return;
    this.buffer.push(JSON.stringify(event));
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.writeBuffered());
    }
  }

  /** Resolves once everything appended so far is on disk. */
  async flush(): Promise<void> {
    this.writeBuffered();
    await this.chain;
  }

  private writeBuffered(): void {
    this.scheduled = false;
    if (!this.file || !this.buffer.length) return;
    const file = this.file;
    const text = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.chain = this.chain
      .then(async () => {
        await fs.mkdir(this.dir, { recursive: true });
        await fs.appendFile(file, text, 'utf8');
      })
      .catch((err: unknown) => {
        // History is a convenience: a full disk must not stop training. Report once per write.
        console.error(
          `seq2seq: could not write run history ${file}: ${err instanceof Error ? err.message : String(err)}`,
        );
      });
  }

  /** Past runs, newest first. Unreadable files are skipped. */
  async list(): Promise<RunSummary[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.dir)).filter((n) => n.endsWith(EXT));
    } catch {
      return [];
    }
    const out: RunSummary[] = [];
    for (const name of names) {
      const rec = await this.readFile(path.join(this.dir, name));
      if (rec) out.push(summarize(rec));
    }
    return out.sort((a, b) => b.startedAt - a.startedAt);
  }

  async read(id: string): Promise<RunRecord | undefined> {
    await this.flush();
    return this.readFile(path.join(this.dir, runFileName(id)));
  }

  /** The run's metrics as CSV text, or undefined when there is no such run. */
  async csv(id: string): Promise<string | undefined> {
    const rec = await this.read(id);
    return rec ? metricsToCsv(rec.run.startedAt, rec.metrics, rec.evals) : undefined;
  }

  private async readFile(file: string): Promise<RunRecord | undefined> {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    const events: DashboardEvent[] = [];
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      try {
        events.push(JSON.parse(line) as DashboardEvent);
      } catch {
        // torn line from a crash: skip it
      }
    }
    const rec = applyEvents(null, events, Number.POSITIVE_INFINITY);
    // A run whose process died mid-way never got `finished`: it is not running any more.
    return rec && (rec.status === 'running' || rec.status === 'paused' || rec.status === 'stopping')
      ? { ...rec, status: 'failed', error: rec.error ?? 'interrupted' }
      : (rec ?? undefined);
  }
}
