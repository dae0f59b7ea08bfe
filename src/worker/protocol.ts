/**
 * The engine worker's protocol: what the extension host (and tests) may ask of the worker
 * (requests, each answered) and the events it reports (notifications, worker -> host), declared
 * with the descriptors of src/protocol/ipc.ts. The worker posts `ready` once TensorFlow.js and
 * its backend have loaded.
 */
import type { BackendName, BackendSetting } from '../core/backendSetting';
import type { CorpusLanguage } from '../parsing/languages';
import type { ParamDescription, ParamRole } from '../retrieval/paramDescriptions';
import type { TranslateRequest, Translation } from '../inference/translation';
import type { FinishedEvent, TrainerEvent } from '../training/events';
import type { GuardResult } from '../training/guard';
import type { TrainJobParams, TrainJobSummary } from '../training/job';
import { ipcNotification, ipcRequest } from '../protocol/ipc';
import { array, instanceOf, object, oneOf, optional, string, type Check } from '../files/schema';

export interface WorkerOptions {
  readonly backend: BackendSetting;
  readonly tensorflowPath?: string;
  /** The open workspace folders, which tensorflowPath must not point into. */
  readonly workspaceFolders?: readonly string[];
  /** Folder of the tfjs wasm binaries, when not next to the worker bundle. */
  readonly wasmDir?: string;
  /** The host's cancel flags (rpc.ts), set by the client for each worker it starts. */
  readonly cancelFlags?: SharedArrayBuffer;
}

/** The check the worker runs on its start data (it crosses a thread boundary unchecked otherwise). */
export const WORKER_OPTIONS: Check<WorkerOptions> = object({
  backend: oneOf('auto', 'tensorflow', 'wasm', 'cpu'),
  tensorflowPath: optional(string),
  workspaceFolders: optional(array(string)),
  wasmDir: optional(string),
  cancelFlags: optional(instanceOf(SharedArrayBuffer)),
});

/** Only the fields of {@link WorkerOptions} (a caller's options may carry more, which stay on its side). */
export function workerOptionsOf(o: WorkerOptions): WorkerOptions {
  return {
    backend: o.backend,
    ...(o.tensorflowPath !== undefined ? { tensorflowPath: o.tensorflowPath } : {}),
    ...(o.workspaceFolders !== undefined ? { workspaceFolders: o.workspaceFolders } : {}),
    ...(o.wasmDir !== undefined ? { wasmDir: o.wasmDir } : {}),
    ...(o.cancelFlags !== undefined ? { cancelFlags: o.cancelFlags } : {}),
  };
}

export interface ReadyParams {
  readonly backend: BackendName;
  readonly reason: string;
}

export interface ModelRef {
  /** Model folder (config.json, weights, tokenizer.json). */
  readonly dir: string;
  readonly id: string;
}

export const Ready = ipcNotification<ReadyParams, 'ready'>('ready');

/** Loads (or reuses) a model and translates with it. */
export const Translate = ipcRequest<TranslateRequest & { readonly model: ModelRef }, Translation, 'translate'>(
  'translate',
);

/** Checks that a folder holds a loadable model; resolves with its config summary. */
export const ValidateModel = ipcRequest<
  { readonly dir: string },
  { readonly arch: string; readonly parameters: number },
  'validateModel'
>('validateModel');

export interface MineParams {
  readonly roots: readonly string[];
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly maxFileBytes?: number;
  /** Where to write the mined corpus (JSONL). */
  readonly out: string;
}

export interface MineResult {
  readonly files: number;
  readonly pairs: number;
  readonly perLanguage: Readonly<Record<string, number>>;
  readonly skipped: Readonly<Record<string, number>>;
  readonly corpus: string;
}

export interface MineProgressParams {
  readonly files: number;
  readonly pairs: number;
  readonly file: string;
}

/** Mines a corpus from folders on disk; reports MineProgress events. */
export const Mine = ipcRequest<MineParams, MineResult, 'mine'>('mine');
export const MineProgress = ipcNotification<MineProgressParams, 'mineProgress'>('mineProgress');

// ---- training ------------------------------------------------------------------------------

export interface TrainStartParams extends TrainJobParams {
  /** Fine-tuning: score the result against `initModel` on the held-out split (named so in messages). */
  readonly guardBaseName?: string;
}

/** Starts a training run; resolves with the finished event once it ends (completed, early-stopped or cancelled). */
export const TrainStart = ipcRequest<TrainStartParams, FinishedEvent & { readonly guard?: GuardResult }, 'trainStart'>(
  'trainStart',
);
/** Pause, resume and cancel act on the running training job (between optimizer steps); cancel saves `last/` first. */
export const TrainPause = ipcRequest<Record<string, never>, { readonly running: boolean }, 'trainPause'>('trainPause');
export const TrainResume = ipcRequest<Record<string, never>, { readonly running: boolean }, 'trainResume'>(
  'trainResume',
);
/**
 * `skipGuard`: the run ends without the guard's verdict (a learning run giving way to a fine-tune
 * the user asked for); a guard already judging the run finishes.
 */
export const TrainCancel = ipcRequest<{ readonly skipGuard?: boolean }, { readonly running: boolean }, 'trainCancel'>(
  'trainCancel',
);
/**
 * Requests that run for minutes and are cancelled between their steps; the client's watchdog
 * never replaces a worker while one of them runs (it would lose the run).
 */
export const JOB_METHODS: readonly string[] = [Mine.method, TrainStart.method];

/** Every trainer event (step, epoch, evaluation, checkpoint, paused/resumed, finished, error). */
export const TrainProgress = ipcNotification<TrainerEvent, 'trainProgress'>('trainProgress');
/** Once the data is read and the model built, before the first step. */
export const TrainStarted = ipcNotification<TrainJobSummary, 'trainStarted'>('trainStarted');

// ---- workspace index and code search ------------------------------------------------------

export interface IndexSettings {
  /** The workspace folder indexed (absolute). */
  readonly root: string;
  readonly include?: readonly string[];
  readonly exclude?: readonly string[];
  readonly maxFileBytes?: number;
  /** Where the index is kept between sessions (JSON); none: in memory only. */
  readonly storageFile?: string;
}

export interface IndexSummary {
  readonly root: string;
  readonly functions: number;
  /** Functions with a summary (neighbours for code → comment). */
  readonly documented: number;
  readonly files: number;
  /** Files mined by this request (a build keeps unchanged files of the saved index). */
  readonly reMined: number;
}

export interface IndexBuildParams extends IndexSettings {
  /** Mine every file again instead of bringing the saved index up to date. */
  readonly rebuild?: boolean;
}

/** Loads the saved index of a folder and brings it up to date (`rebuild`: from scratch); reports IndexProgress. */
export const IndexBuild = ipcRequest<IndexBuildParams, IndexSummary, 'indexBuild'>('indexBuild');

export interface IndexProgressParams {
  readonly root: string;
  readonly files: number;
  readonly file: string;
}
export const IndexProgress = ipcNotification<IndexProgressParams, 'indexProgress'>('indexProgress');

export interface IndexUpdateParams {
  readonly root: string;
  readonly file: string;
  /** The saved text; none: the file was deleted. */
  readonly content?: string;
}
/** Re-mines one saved (or deleted: no content) file of an indexed folder. */
export const IndexUpdate = ipcRequest<IndexUpdateParams, IndexSummary, 'indexUpdate'>('indexUpdate');

export interface CodeSearchHit {
  /** Relative to the index's root. */
  readonly path: string;
  readonly root: string;
  readonly name: string;
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  readonly summary?: string;
  readonly score: number;
  readonly bm25: number;
  /** Mean token log-probability of the description given the code, when the model scored it. */
  readonly code2doc?: number;
}

/** Find code by description over the indexed folders: BM25, then re-ranked by the model. */
export const SearchCode = ipcRequest<
  { readonly query: string; readonly model: ModelRef; readonly limit?: number },
  readonly CodeSearchHit[],
  'searchCode'
>('searchCode');

/**
 * What the workspace already says about parameters: for each name, the description the indexed
 * project of `file` most often gives a parameter of that name and the same role (`roles`: its
 * annotated type and default here) in its other files, with the function it came from; for the
 * others, with `code` and `paramModel`, the model's description when it is sure enough (its
 * `meta.minConfidence`), with its confidence. Names neither answers are left out.
 */
export const DescribeParams = ipcRequest<
  {
    readonly file: string;
    readonly names: readonly string[];
    /** Each parameter's type and default as written in the function being documented. */
    readonly roles?: Readonly<Record<string, ParamRole>>;
    /** The function's code and a parameter-description model: it answers what the workspace does not. */
    readonly code?: string;
    readonly paramModel?: ModelRef;
  },
  Readonly<Record<string, ParamDescription>>,
  'describeParams'
>('describeParams');

/** A documented function whose summary the model's check flags as possibly stale. */
export interface StaleSummaryHit {
  /** 1-based line of the function's first line (decorators included). */
  readonly line: number;
  readonly name: string;
  /** The combined fit (src/inference/staleSummary.ts); below the model's threshold. */
  readonly score: number;
}

/** Result of {@link CheckSummaries}: nothing is flagged by a model without a calibration. */
export interface StaleSummaryReport {
  readonly calibrated: boolean;
  /** What the flag scored on held-out test projects (the model's calibration). */
  readonly precision?: number;
  readonly recall?: number;
  readonly stale: readonly StaleSummaryHit[];
}

/** The "summary may be stale" check over the documented functions of one file's text. */
export const CheckSummaries = ipcRequest<
  { readonly model: ModelRef; readonly lang: CorpusLanguage; readonly text: string },
  StaleSummaryReport,
  'checkSummaries'
>('checkSummaries');
