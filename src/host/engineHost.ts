/**
 * The extension host's handle on the engine, and its one door to the engine worker: one worker
 * thread (started on first use, not at activation) that loads TensorFlow.js. Translation, code
 * search, the stale-summary check, parameter descriptions, mining, the workspace index and
 * training runs all ask it here; nothing else in the host talks to the worker client. The backend
 * the worker chose, and why, is shown in the status bar and the log. A changed backend setting
 * restarts the worker; a crashed worker is reported and replaced on the next request.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from './context';
import type { TranslateRequest, Translation, Translator } from '../inference/translation';
import type { EngineWorkerClient, EngineWorkerClientOptions } from '../worker/client';
import type { IpcRequest, IpcResponse } from '../protocol/ipc';
import type {
  CodeSearchHit,
  IndexBuildParams,
  IndexProgressParams,
  IndexSummary,
  IndexUpdateParams,
  MineParams,
  MineProgressParams,
  MineResult,
  ReadyParams,
  StaleSummaryReport,
  TrainStart,
  TrainStartParams,
} from '../worker/protocol';
import type { TrainerEvent } from '../training/events';
import type { TrainJobSummary } from '../training/job';
import type { CorpusLanguage } from '../parsing/languages';
import { hasConfigFile } from '../modelFolder/format';
import type { ParamDescription, ParamRole } from '../retrieval/paramDescriptions';
import type { ModelEntry } from './modelStore';
import { engineSettings } from './settings';
import { tensorflowPathProblem } from '../core/backendSetting';

const LABELS: Record<string, string> = {
  tensorflow: 'TensorFlow (native)',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

/** How a training run ended: completed, early-stopped or stopped, with the guard's verdict when it ran. */
export type TrainFinished = IpcResponse<typeof TrainStart>;

/** Who hears a training run's events while it runs. */
export interface TrainingListener {
  /** Once the data is read and the model built, before the first step. */
  readonly started?: (summary: TrainJobSummary) => void;
  /** Every trainer event (step, epoch, evaluation, checkpoint, paused/resumed, finished, error). */
  readonly progress?: (event: TrainerEvent) => void;
}

export class EngineHost implements Translator, vscode.Disposable {
  private client: Promise<EngineWorkerClient> | undefined;
  private ready: Promise<ReadyParams> | undefined;
  /** Parameter model folders already looked up, and whether they hold a model. */
  private readonly paramModels = new Map<string, boolean>();

  constructor(
    private readonly ctx: Seq2SeqContext,
    private readonly activeModel: () => ModelEntry | undefined,
  ) {}

  /** The worker client, created on first use. */
  private worker(): Promise<EngineWorkerClient> {
    if (!this.client) this.client = this.createClient();
    return this.client;
  }

  /** How every worker of this extension starts: the backend setting, the bundled script. */
  private workerOptions(): EngineWorkerClientOptions {
    const settings = engineSettings();
    const workspaceFolders = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath);
    const refused = tensorflowPathProblem(settings.tensorflowPath, workspaceFolders);
    if (refused) {
      this.ctx.log.warn(`[backend] ${refused}`);
      void vscode.window.showWarningMessage(`Seq2Seq: ${refused}`);
    }
    return {
      backend: settings.backend,
      ...(settings.tensorflowPath && !refused ? { tensorflowPath: settings.tensorflowPath } : {}),
      workspaceFolders,
      script: path.join(this.ctx.extensionUri.fsPath, 'dist', 'worker.js'),
    };
  }

  private async createClient(): Promise<EngineWorkerClient> {
    const { EngineWorkerClient } = await import('../worker/client');
    return new EngineWorkerClient({
      ...this.workerOptions(),
      onCrash: (message) => {
        this.ctx.log.error(`engine worker crashed: ${message}`);
        this.ready = undefined;
        this.ctx.statusBar.update({ backend: 'restarting', backendReason: `The engine stopped: ${message}` });
        void vscode.window.showErrorMessage(
          `Seq2Seq: the engine stopped (${message}). It restarts on the next request.`,
        );
      },
    });
  }

  /** Starts the worker if needed and waits until its backend has loaded, without reporting it. */
  async whenReady(): Promise<ReadyParams> {
    return (await this.worker()).ready();
  }

  /** Starts the worker if needed; its backend is reported once per worker, not per request. */
  ensureBackend(): Promise<ReadyParams> {
    this.ready ??= this.whenReady().then((ready) => {
      this.ctx.statusBar.update({ backend: LABELS[ready.backend] ?? ready.backend, backendReason: ready.reason });
      this.ctx.log.info(`[backend] ${ready.reason}`);
      return ready;
    });
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  async translate(request: TranslateRequest, signal?: AbortSignal): Promise<Translation> {
    const model = this.activeModel();
    if (!model) {
      throw new Error(
        'No model is available: import one with "Seq2Seq: Import Model…" or fine-tune on your workspace.',
      );
    }
    const client = await this.worker();
    await this.ensureBackend();
    const { Translate } = await import('../worker/protocol');
    const remembered =
      request.direction === 'code2doc' && request.file && !request.remembered
        ? this.ctx.corrections?.remembered()
        : undefined;
    return client.request(
      Translate,
      { ...request, ...(remembered?.length ? { remembered } : {}), model: { dir: model.dir, id: model.id } },
      signal,
    );
  }

  /** Find Code by Description over the indexed workspace folders, re-ranked by the active model. */
  async searchCode(query: string, limit: number, signal?: AbortSignal): Promise<readonly CodeSearchHit[]> {
    const model = this.activeModel();
    if (!model) throw new Error('No model is available to rank the results: import one with "Seq2Seq: Import Model…".');
    const client = await this.worker();
    await this.ensureBackend();
    const { SearchCode } = await import('../worker/protocol');
    return client.request(SearchCode, { query, limit, model: { dir: model.dir, id: model.id } }, signal);
  }

  /**
   * The active model's "summary may be stale" check over one file's documented functions; a
   * model without a calibration (or no model) flags nothing.
   */
  async checkSummaries(lang: CorpusLanguage, text: string, signal?: AbortSignal): Promise<StaleSummaryReport> {
    const model = this.activeModel();
    if (!model) return { calibrated: false, stale: [] };
    const client = await this.worker();
    await this.ensureBackend();
    const { CheckSummaries } = await import('../worker/protocol');
    return client.request(CheckSummaries, { lang, text, model: { dir: model.dir, id: model.id } }, signal);
  }

  /**
   * Descriptions for these parameter names of the function `code` in `file`: what the workspace
   * index already says of a parameter in the same role (`roles`), else what the
   * parameter-description model in `paramModelDir` (when there is one) is sure enough of.
   */
  async describeParams(
    file: string,
    names: readonly string[],
    code?: string,
    paramModelDir?: string,
    roles?: Readonly<Record<string, ParamRole>>,
  ): Promise<Readonly<Record<string, ParamDescription>>> {
    if (names.length === 0) return {};
    const client = await this.worker();
    const withModel = code !== undefined && paramModelDir !== undefined && this.hasParamModel(paramModelDir);
    if (withModel) await this.ensureBackend();
    const { DescribeParams } = await import('../worker/protocol');
    return client.request(DescribeParams, {
      file,
      names,
      ...(roles ? { roles } : {}),
      ...(withModel ? { code, paramModel: { dir: paramModelDir, id: 'params' } } : {}),
    });
  }

  /**
   * Mines documented functions from folders on disk into the corpus file `params.out`;
   * `onProgress` hears every few files. A cancel through `signal` rejects with a CancelledError.
   */
  async mine(
    params: MineParams,
    onProgress?: (p: MineProgressParams) => void,
    signal?: AbortSignal,
  ): Promise<MineResult> {
    const { Mine, MineProgress } = await import('../worker/protocol');
    return this.requestHeard(Mine, params, signal, (client) => onProgress && client.onEvent(MineProgress, onProgress));
  }

  /**
   * Loads the saved index of one workspace folder and brings it up to date (`rebuild`: from
   * scratch); `onProgress` hears every few files. A cancel through `signal` rejects with a
   * CancelledError.
   */
  async buildIndex(
    params: IndexBuildParams,
    onProgress?: (p: IndexProgressParams) => void,
    signal?: AbortSignal,
  ): Promise<IndexSummary> {
    const { IndexBuild, IndexProgress } = await import('../worker/protocol');
    return this.requestHeard(
      IndexBuild,
      params,
      signal,
      (client) => onProgress && client.onEvent(IndexProgress, onProgress),
    );
  }

  /** Re-mines one saved (or deleted: no content) file of an indexed folder. */
  async updateIndex(params: IndexUpdateParams): Promise<IndexSummary> {
    const { IndexUpdate } = await import('../worker/protocol');
    return (await this.worker()).request(IndexUpdate, params);
  }

  /**
   * Runs one training job in the worker, `listener` hearing its events until it ends. Stop it with
   * {@link cancelTraining}: it then ends normally, its last good checkpoint kept. The job trains
   * on the worker's backend, reported here as for any other request.
   */
  async startTraining(params: TrainStartParams, listener: TrainingListener): Promise<TrainFinished> {
    await this.ensureBackend();
    const { TrainStart, TrainStarted, TrainProgress } = await import('../worker/protocol');
    return this.requestHeard(TrainStart, params, undefined, (client) => {
      const subs = [
        listener.started && client.onEvent(TrainStarted, listener.started),
        listener.progress && client.onEvent(TrainProgress, listener.progress),
      ];
      return { dispose: () => subs.forEach((s) => s?.dispose()) };
    });
  }

  /** Pauses the training run in progress before its next step. */
  async pauseTraining(): Promise<void> {
    const { TrainPause } = await import('../worker/protocol');
    await this.controlTraining(TrainPause, {});
  }

  /** Resumes a paused training run. */
  async resumeTraining(): Promise<void> {
    const { TrainResume } = await import('../worker/protocol');
    await this.controlTraining(TrainResume, {});
  }

  /**
   * Stops the training run in progress; the worker saves its last checkpoint first, then the guard
   * judges the run unless `skipGuard` (a guard already judging it finishes).
   */
  async cancelTraining(options: { readonly skipGuard?: boolean } = {}): Promise<void> {
    const { TrainCancel } = await import('../worker/protocol');
    await this.controlTraining(TrainCancel, options.skipGuard ? { skipGuard: true } : {});
  }

  /** Sends a pause, resume or cancel to the worker that runs the job; none runs without a worker. */
  private async controlTraining<M extends string, P>(
    type: IpcRequest<P, { readonly running: boolean }, M>,
    params: NoInfer<P>,
  ): Promise<void> {
    if (this.client) await (await this.client).request(type, params);
  }

  /** One request, with the events `listen` subscribes to heard until it settles. */
  private async requestHeard<M extends string, P, R>(
    type: IpcRequest<P, R, M>,
    params: NoInfer<P>,
    signal: AbortSignal | undefined,
    listen: (client: EngineWorkerClient) => { dispose(): void } | undefined,
  ): Promise<R> {
    const client = await this.worker();
    const events = listen(client);
    try {
      return await client.request(type, params, signal);
    } finally {
      events?.dispose();
    }
  }

  /** Whether the (bundled, unchanging) parameter model folder is there: looked up once per folder. */
  private hasParamModel(dir: string): boolean {
    let present = this.paramModels.get(dir);
    if (present === undefined) this.paramModels.set(dir, (present = hasConfigFile(dir)));
    return present;
  }

  /**
   * Validates a model folder (loads it fully) in a worker of its own that ends afterwards, so a
   * hostile or broken folder cannot poison the worker that translates.
   */
  async validateModel(dir: string): Promise<void> {
    const { ValidateModel } = await import('../worker/protocol');
    const { requestInDisposableWorker } = await import('../worker/client');
    await requestInDisposableWorker(this.workerOptions(), ValidateModel, { dir });
  }

  /** Applies a changed backend setting: the next request starts a new worker. */
  async reset(): Promise<void> {
    const old = this.client;
    this.client = undefined;
    this.ready = undefined;
    if (old) await (await old).dispose();
  }

  dispose(): void {
    void this.reset();
  }
}
