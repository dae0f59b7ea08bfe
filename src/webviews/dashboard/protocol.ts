/**
 * The training dashboard's view model and messages, shared by the host (src/webviews/dashboard)
 * and the browser app (src/webviews/apps/dashboard). Imports nothing but the descriptors of
 * src/protocol/ipc.ts.
 *
 * The dashboard defines its own event shapes (`DashboardEvent`) instead of importing the
 * trainer's: the host adapter translates trainer callbacks into these, so the panel does not
 * change when the trainer does. Times are milliseconds; `wallTime` is epoch milliseconds.
 */
import { ipcCommand, ipcNotification } from '../../protocol/ipc';

export type RunStatus = 'running' | 'paused' | 'stopping' | 'finished' | 'failed';

/** Why a run ended (status `finished`). */
export type EndReason = 'completed' | 'stopped' | 'earlyStopped' | 'timeBudget';

export interface RunInfo {
  readonly id: string;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  readonly backend: string;
  /** Trainable parameters. */
  readonly modelSize: number;
  readonly hyperparameters: Readonly<Record<string, string | number>>;
  readonly totalSteps: number;
  readonly totalEpochs?: number;
  /** Display name, e.g. the model being fine-tuned. */
  readonly name?: string;
}

/**
 * Training metrics at one step. Known keys (others are kept and exported too):
 * `loss`, `perplexity`, `tokenAccuracy`, `learningRate`, `gradNorm`, `tokensPerSecond`.
 */
export interface MetricPoint {
  readonly step: number;
  readonly wallTime: number;
  readonly values: Readonly<Record<string, number>>;
}

/** A fixed validation example and the model's current output for it. */
export interface Sample {
  /** Stable across evaluations, so the change since the previous one can be shown. */
  readonly id: string;
  readonly source: string;
  readonly reference: string;
  readonly prediction: string;
}

/**
 * One evaluation. Known value keys: `validLoss`, `validPerplexity`, `bleu`, `smoothedBleu`,
 * `exactMatch`.
 */
export interface EvalPoint {
  readonly step: number;
  readonly wallTime: number;
  readonly values: Readonly<Record<string, number>>;
  readonly samples: readonly Sample[];
}

/** What the training adapter pushes; the host coalesces these before posting. */
export type DashboardEvent =
  | { readonly type: 'runStarted'; readonly run: RunInfo }
  | {
      readonly type: 'step';
      readonly epoch: number;
      readonly elapsedMs: number;
      /** null while unknown (first steps). */
      readonly etaMs: number | null;
      readonly point: MetricPoint;
    }
  | { readonly type: 'eval'; readonly point: EvalPoint }
  /** The starting model's scores (fine-tuning): drawn as flat reference lines. */
  | { readonly type: 'reference'; readonly reference: ReferenceScores }
  | { readonly type: 'status'; readonly status: RunStatus; readonly message?: string }
  | { readonly type: 'checkpoint'; readonly step: number; readonly path: string }
  | { readonly type: 'finished'; readonly reason: EndReason; readonly step: number; readonly checkpointPath?: string }
  /** The fine-tuning guard: checking after training ends, then its decision. */
  | { readonly type: 'verdict'; readonly verdict: FineTuneVerdict }
  | { readonly type: 'error'; readonly message: string };

/** One model's scores on the guard's held-out functions (0-100). */
export interface HeldOutScores {
  readonly chrf: number;
  /** Mean smoothed sentence BLEU-4. */
  readonly sentenceBleu: number;
}

/**
 * The fine-tuning guard's verdict: after training ends, both the model the run started from and
 * the fine-tuned one write comments for held-out functions of the workspace (neither trained on
 * them); the fine-tuned model is kept only when it scores better.
 */
export type FineTuneVerdict =
  | {
      readonly state: 'checking';
      /** The model the run started from, e.g. "the bundled model". */
      readonly baseName: string;
    }
  | {
      readonly state: 'decided';
      readonly baseName: string;
      /** Which model is in use after the run. */
      readonly kept: 'base' | 'fineTuned';
      /** Held-out functions both models were scored on (0: none to check on). */
      readonly heldOutFunctions: number;
      readonly base: HeldOutScores;
      readonly fineTuned: HeldOutScores;
      /** The guard's sentence, with both scores. */
      readonly message: string;
    };

/** Scores of the model a fine-tune started from, keyed like `EvalPoint.values`. */
export interface ReferenceScores {
  /** What the line is, e.g. "base model". */
  readonly label: string;
  readonly values: Readonly<Record<string, number>>;
}

/** Everything known about one run: the live one, or one read back from history. */
export interface RunRecord {
  readonly run: RunInfo;
  readonly metrics: readonly MetricPoint[];
  readonly evals: readonly EvalPoint[];
  readonly status: RunStatus;
  readonly step: number;
  readonly epoch: number;
  readonly elapsedMs: number;
  readonly etaMs: number | null;
  readonly checkpoint?: { readonly step: number; readonly path: string };
  readonly endReason?: EndReason;
  readonly error?: string;
  /** The starting model's scores (fine-tuning), drawn as reference lines. */
  readonly reference?: ReferenceScores;
  /** Metric points dropped from memory by thinning (long runs); history keeps them all. */
  readonly thinned?: number;
  /** Fine-tuning: the guard's verdict on the run's model (it decides which model is kept). */
  readonly verdict?: FineTuneVerdict;
}

/** A past run in the history list. */
export interface RunSummary {
  readonly id: string;
  readonly name?: string;
  readonly startedAt: number;
  readonly backend: string;
  readonly modelSize: number;
  readonly totalSteps: number;
  readonly lastStep: number;
  readonly status: RunStatus;
  readonly finalLoss?: number;
  readonly bestBleu?: number;
}

export type XAxisMode = 'step' | 'time';

/** View preferences, kept in the webview state across hide/reload. */
export interface DashboardPrefs {
  readonly xAxis: XAxisMode;
  /** EMA weight in [0, 0.99]; 0 shows the raw series only. */
  readonly smoothing: number;
  readonly logLoss: boolean;
  readonly compareId: string | null;
}

export type ExportKind = 'csv' | 'png';
export type RunAction = 'stop' | 'pause' | 'resume';

// host -> webview: notifications

/** Coalesced live events, at most a bounded number of these per second. */
export const DashboardEvents = ipcNotification<{ readonly events: readonly DashboardEvent[] }, 'events'>('events');
/** The live run so far (sent after `ready`), or null when nothing is running. */
export const RunSnapshot = ipcNotification<{ readonly record: RunRecord | null }, 'snapshot'>('snapshot');
export const RunsListed = ipcNotification<{ readonly runs: readonly RunSummary[] }, 'runsListed'>('runsListed');
/** A past run to overlay (null clears the overlay or when the run could not be read). */
export const CompareRunLoaded = ipcNotification<
  { readonly id: string | null; readonly record: RunRecord | null; readonly error?: string },
  'compareLoaded'
>('compareLoaded');
export const ExportDone = ipcNotification<
  { readonly kind: ExportKind; readonly saved: boolean; readonly path?: string; readonly error?: string },
  'exportDone'
>('exportDone');

// webview -> host: commands

export const ControlRun = ipcCommand<{ readonly action: RunAction }, 'controlRun'>('controlRun');
/** The host answers with RunsListed. */
export const ListRuns = ipcCommand<Record<string, never>, 'listRuns'>('listRuns');
/** The host answers with CompareRunLoaded. */
export const LoadCompareRun = ipcCommand<{ readonly id: string | null }, 'loadCompareRun'>('loadCompareRun');
/** Export a run's metrics; null runId means the live run. The host answers with ExportDone. */
export const ExportCsv = ipcCommand<{ readonly runId: string | null }, 'exportCsv'>('exportCsv');
/** A chart rendered to PNG: base64 without the `data:` prefix. The host answers with ExportDone. */
export const ExportPng = ipcCommand<{ readonly base64: string; readonly suggestedName: string }, 'exportPng'>(
  'exportPng',
);

/** What the app keeps with `setState` (and the serializer hands back on reload). */
export interface DashboardWebviewState {
  readonly prefs: DashboardPrefs;
  readonly live: RunRecord | null;
}

export const DEFAULT_PREFS: DashboardPrefs = { xAxis: 'step', smoothing: 0.6, logLoss: false, compareId: null };
