/**
 * Fine-tuning runs that a reload or a crash interrupted. Each run folder (`runs/<id>/`) holds a
 * `run.json` record written when training starts (who runs it: process id and host; what it
 * trains: corpus, config, base model) and marked ended when the run ends normally. A folder
 * whose record is not ended and whose process is gone was interrupted: it can be resumed from
 * its `last/` checkpoint (after putting back a copy a crashed save left aside) or discarded.
 * Whether the process is gone is the run lock's answer (src/modelFolder/runLock.ts: process id, boot id
 * and start time) where the folder has one, else the record's process id on this host.
 * Plain Node (no `vscode`, no TensorFlow.js), so the extension host can check cheaply.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { processAlive, recoverFolder } from '../modelFolder/atomicFolder';
import { runLockState } from '../modelFolder/runLock';
import { CONFIG_FILE, OPTIMIZER_SPECS_FILE, TRAIN_STATE_FILE } from '../modelFolder/format';
import { readGuardedJsonSync } from '../files/guardedRead';
import type { TrainConfigFile } from '../training/trainConfigFile';

export const RUN_RECORD_FILE = 'run.json';
const LAST = 'last';
const CHECKPOINT_FILES = [CONFIG_FILE, TRAIN_STATE_FILE, OPTIMIZER_SPECS_FILE];

export interface RunRecord {
  readonly id: string;
  readonly startedAt: string;
  readonly pid: number;
  readonly host: string;
  readonly corpus: string;
  readonly config: TrainConfigFile;
  /** The model it fine-tunes (its id), when any. */
  readonly baseId?: string;
  /** Set when the run ended normally (completed, stopped or failed with a message). */
  readonly endedAt?: string;
}

export interface InterruptedRun {
  readonly record: RunRecord;
  readonly dir: string;
  /** The step its `last/` checkpoint reached; null when there is nothing to resume. */
  readonly step: number | null;
}

/** Writes a run's record as it starts (atomically: temporary file and rename). */
export function writeRunRecord(dir: string, record: RunRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${RUN_RECORD_FILE}.tmp-${process.pid}`);
  fs.writeFileSync(tmp, JSON.stringify(record, null, 2));
  fs.renameSync(tmp, path.join(dir, RUN_RECORD_FILE));
}

/** Marks a run as ended normally, so it is never offered for resume. */
export function markRunEnded(dir: string, now = new Date()): void {
  const record = readRunRecord(dir);
  if (record) writeRunRecord(dir, { ...record, endedAt: now.toISOString() });
}

/** A run record or training state is a few hundred bytes; anything past this is not one. */
const RECORD_MAX_BYTES = 1 << 20;

export function readRunRecord(dir: string): RunRecord | undefined {
  try {
    const r = readGuardedJsonSync(path.join(dir, RUN_RECORD_FILE), {
      maxBytes: RECORD_MAX_BYTES,
      noFollow: true,
    }) as RunRecord;
    return typeof r.id === 'string' && typeof r.pid === 'number' && typeof r.corpus === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The step of a resumable checkpoint in `dir`, or null. */
function checkpointStep(dir: string): number | null {
  recoverFolder(dir, (d) => CHECKPOINT_FILES.every((f) => fs.existsSync(path.join(d, f))));
  try {
    const state = readGuardedJsonSync(path.join(dir, TRAIN_STATE_FILE), {
      maxBytes: RECORD_MAX_BYTES,
      noFollow: true,
    }) as {
      step?: unknown;
    };
    return CHECKPOINT_FILES.every((f) => fs.existsSync(path.join(dir, f))) && typeof state.step === 'number'
      ? state.step
      : null;
  } catch {
    return null;
  }
}

/**
 * Interrupted runs under `runsDir`, newest first: a record not ended, of a process on this host
 * that is gone (or of another host: its storage was copied here). `isAlive` is injectable for tests.
 */
export function findInterruptedRuns(
  runsDir: string,
  isAlive: (pid: number) => boolean = processAlive,
  host: string = os.hostname(),
): InterruptedRun[] {
  let names: string[];
  try {
    names = fs.readdirSync(runsDir);
  } catch {
    return [];
  }
  const out: InterruptedRun[] = [];
  for (const name of names) {
    const dir = path.join(runsDir, name);
    const record = readRunRecord(dir);
    if (!record || record.endedAt) continue;
    const lock = runLockState(dir);
    if (lock ? lock.state !== 'stale' : record.host === host && isAlive(record.pid)) continue;
    out.push({ record, dir, step: checkpointStep(path.join(dir, LAST)) });
  }
  return out.sort((a, b) => b.record.startedAt.localeCompare(a.record.startedAt));
}

/** Removes an interrupted run's folder. */
export function discardRun(run: InterruptedRun): void {
  fs.rmSync(run.dir, { recursive: true, force: true });
}
