/**
 * When the workspace's model learns by itself, as pure decisions the host applies: whether there is
 * something new to learn (summaries the user kept or corrected since the last run, or documented
 * functions the workspace index gained), whether a run may start now (the setting, trust, the user
 * idle, no other training, not on battery), and the workspace's learning history: one entry per
 * run with its guard verdict and the models before and after, so any earlier model can be
 * returned to, and the files each installed model learned, which later runs never hold out. No
 * `vscode`.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readGuardedJsonSync } from '../files/guardedRead';
import type { MarginShares } from '../training/guard';
import type { TrainingClock } from '../training/trainingDefaults';

export type LearningMode = 'off' | 'on' | 'ask';
/** The choices of `seq2seq.learning.mode`, in package.json's order. */
export const LEARNING_MODES: readonly LearningMode[] = ['ask', 'on', 'off'];

/** The `seq2seq.learning.*` defaults (package.json declares the same; a unit test checks). */
export const LEARNING_DEFAULTS = {
  mode: 'ask' as LearningMode,
  /** Training threads a learning run may use (its CPU share). */
  threads: 1,
  /** Seconds without typing before a run starts or a paused one resumes. */
  idleSeconds: 120,
  /** Most minutes one run computes on its threads ({@link learningBudget}; it stops earlier when it stops improving). */
  minutes: 5,
  /** Kept or corrected summaries since the last run that make a run worth it. */
  afterCorrections: 5,
  /** Code → comment remembers the kept or corrected summaries in its decoder (src/core/decoderMemory.ts). */
  rememberCorrections: true,
} as const;
/** Documented functions the index gained since the last run that make a run worth it. */
export const NEW_DOCUMENTED_TO_LEARN = 50;

/**
 * A learning run's time budget. `seq2seq.learning.threads` is the share of the computer the user
 * gives it and `seq2seq.learning.minutes` how long it may use that share: `minutes` × `threads` of
 * CPU time, counted on the trainer's `cpu` clock (the CPU time of the extension host's process,
 * where the engine worker and its gradient workers run; while the user is away little else runs
 * there). A run that other programs slow down takes longer but gets the computation it was given
 * (on the wall clock a busy machine would cut it short); on a quiet machine it takes about
 * `minutes`. Time paused while the user types is not counted on either clock (the trainer's pause).
 */
export function learningBudget(
  minutes: number,
  threads: number,
): { readonly timeBudgetMs: number; readonly clock: TrainingClock } {
  return { timeBudgetMs: Math.round(minutes * 60_000 * threads), clock: 'cpu' };
}

/** What the workspace had to learn from when a run started. */
export interface LearningInputs {
  /** Kept or edited summaries recorded (src/learning/corrections.ts). */
  readonly corrections: number;
  /** Documented functions in the workspace index. */
  readonly documented: number;
}

/**
 * Why a run is worth starting now ("6 new corrections"), or undefined: nothing new enough.
 * `afterCorrections`: kept or corrected summaries since the last run that make one worth it.
 */
export function somethingToLearn(
  now: LearningInputs,
  last: LearningInputs | undefined,
  afterCorrections: number = LEARNING_DEFAULTS.afterCorrections,
): string | undefined {
  const corrections = now.corrections - (last?.corrections ?? 0);
  const documented = now.documented - (last?.documented ?? 0);
  if (corrections >= afterCorrections) return `${corrections} new correction${corrections === 1 ? '' : 's'}`;
  if (documented >= NEW_DOCUMENTED_TO_LEARN) return `${documented} more documented functions`;
  return undefined;
}

export interface StartConditions {
  readonly mode: LearningMode;
  readonly trusted: boolean;
  /** Milliseconds since the last keystroke. */
  readonly idleMs: number;
  readonly idleSeconds: number;
  /** Another training run (a manual fine-tune) is in progress. */
  readonly training: boolean;
  /** True on battery; undefined where it cannot be told. */
  readonly onBattery: boolean | undefined;
}

/** Why a run may not start now, or undefined when it may. */
export function startBlocker(c: StartConditions): string | undefined {
  if (c.mode === 'off') return 'learning is off (seq2seq.learning.mode)';
  if (!c.trusted) return 'the workspace is not trusted';
  if (c.training) return 'another training run is in progress';
  if (c.onBattery) return 'the computer runs on battery';
  if (c.idleMs < c.idleSeconds * 1000) return 'you are typing';
  return undefined;
}

export interface HistoryEntry {
  readonly id: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** Why it started ("6 new corrections"). */
  readonly reason: string;
  /** Corrections it trained on (kept and edited summaries), and mined pairs. */
  readonly corrections: number;
  /** Corrections it held out (in held-out files, src/learning/learningCorpus.ts) to judge itself on. */
  readonly heldOutCorrections?: number;
  readonly minedPairs: number;
  /** Documented functions in the workspace index when it started. */
  readonly documented: number;
  /** The model active before the run ('default' for the bundled one). */
  readonly previousModel: string;
  /** The model the run installed, when the guard let it. */
  readonly installedModel?: string;
  /**
   * With `installedModel`: the files (paths as mining gives them) the run trained on that
   * `previousModel`'s learning runs had not; {@link lineageTrainedFiles} adds them up.
   */
  readonly trainedFiles?: readonly string[];
  readonly chrf?: { readonly base: number; readonly tuned: number };
  readonly sentenceBleu?: { readonly base: number; readonly tuned: number };
  readonly margin?: MarginShares;
  readonly heldOut?: number;
  /** The guard's sentence, or why the run ended without one (stopped, failed). */
  readonly message: string;
}

/** "learned from 14 of your comments, +3.1 chrF on your held-out functions", or what happened. */
export function historyText(e: HistoryEntry): string {
  if (e.installedModel && e.chrf) {
    const gain = e.chrf.tuned - e.chrf.base;
    return `learned from ${e.corrections} of your comments, ${gain >= 0 ? '+' : ''}${gain.toFixed(1)} chrF on your held-out functions`;
  }
  if (e.chrf) return `no clear gain from ${e.corrections} of your comments; kept the model`;
  return e.message;
}

/**
 * The files the model `modelId` learned through learning runs: those of the run that installed it,
 * of the run that installed the model that run started from, and so on back to a model no learning
 * run made (the bundled model, one the user fine-tuned or imported): none for such a model. A run
 * never holds these files out (src/learning/learningCorpus.ts), or its guard would judge the new
 * model against `modelId` on functions `modelId` has trained on. Each step looks only at the runs
 * before the one it came from: the model store reuses the id of a model it removed.
 */
export function lineageTrainedFiles(
  entries: readonly Pick<HistoryEntry, 'installedModel' | 'previousModel' | 'trainedFiles'>[],
  modelId: string | undefined,
): Set<string> {
  const files = new Set<string>();
  let id = modelId;
  let before = entries.length;
  while (id !== undefined) {
    let i = before - 1;
    while (i >= 0 && entries[i]!.installedModel !== id) i--;
    if (i < 0) break;
    for (const f of entries[i]!.trainedFiles ?? []) files.add(f);
    id = entries[i]!.previousModel;
    before = i;
  }
  return files;
}

/** Models made by learning runs that stay installed: the newest ones, so the history can return to them. */
export const KEPT_LEARNED_MODELS = 5;

/**
 * The models earlier learning runs installed that can go: each learning run adds a model, and
 * without this a workspace that learns every day fills the disk. Kept: the models of the newest
 * `keep` runs that installed one, the model each of them started from (the history offers to
 * return to it), and the model in use. Only models a learning run made are ever named, never one
 * the user trained or imported.
 */
export function learnedModelsToPrune(
  entries: readonly HistoryEntry[],
  inUse: string | undefined,
  keep = KEPT_LEARNED_MODELS,
): string[] {
  const installing = entries.filter((e) => e.installedModel !== undefined);
  const recent = installing.slice(-keep);
  const kept = new Set<string>([
    ...(inUse !== undefined ? [inUse] : []),
    ...recent.flatMap((e) => [e.installedModel!, e.previousModel]),
  ]);
  const learned = new Set(installing.map((e) => e.installedModel!));
  return [...learned].filter((id) => !kept.has(id));
}

export const HISTORY_FILE = 'learning-history.json';

/** The workspace's learning runs, newest last, one JSON file in its storage, written atomically. */
export class LearningHistory {
  readonly file: string;
  constructor(dir: string) {
    this.file = path.join(dir, HISTORY_FILE);
  }

  list(): HistoryEntry[] {
    try {
      const data = readGuardedJsonSync(this.file, { maxBytes: 16 << 20, noFollow: true }) as { entries?: unknown };
      return Array.isArray(data.entries) ? (data.entries as HistoryEntry[]) : [];
    } catch {
      return [];
    }
  }

  /**
   * The inputs of the last run that ended, or undefined before the first: the corrections it held
   * out count as seen (else every idle moment would start a run on the same corrections again).
   */
  lastInputs(): (LearningInputs & { readonly at: string }) | undefined {
    const last = this.list().at(-1);
    return (
      last && {
        corrections: last.corrections + (last.heldOutCorrections ?? 0),
        documented: last.documented,
        at: last.endedAt,
      }
    );
  }

  add(entry: HistoryEntry): void {
    const entries = [...this.list(), entry];
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, `${JSON.stringify({ entries }, null, 1)}\n`);
    fs.renameSync(tmp, this.file);
  }
}

/**
 * Pauses a running job at the first keystroke and resumes it once the user has been idle again
 * for `idleMs`: `keystroke()` on each edit; `pause` and `resume` act on the job. The clock and
 * timers are injectable for tests.
 */
export class IdlePauser {
  private paused = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  constructor(
    private readonly job: { pause(): void; resume(): void },
    private readonly idleMs: number,
    private readonly timers: {
      set(f: () => void, ms: number): ReturnType<typeof setTimeout>;
      clear(t: ReturnType<typeof setTimeout>): void;
    } = { set: (f, ms) => setTimeout(f, ms), clear: (t) => clearTimeout(t) },
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  keystroke(): void {
    if (!this.paused) {
      this.paused = true;
      this.job.pause();
    }
    if (this.timer) this.timers.clear(this.timer);
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.paused = false;
      this.job.resume();
    }, this.idleMs);
  }

  dispose(): void {
    if (this.timer) this.timers.clear(this.timer);
  }
}
