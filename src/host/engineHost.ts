/**
 * The extension host's handle on the engine: one worker thread (started on first use, not at
 * activation) that loads TensorFlow.js, and the translator the editor commands use. The backend
 * the worker chose, and why, is shown in the status bar and the log. A changed backend setting
 * restarts the worker; a crashed worker is reported and replaced on the next request.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import type { Seq2SeqContext } from './context';
import type { TranslateRequest, Translation, Translator } from '../inference/translation';
import type { EngineWorkerClient, EngineWorkerClientOptions } from '../worker/client';
import type { CodeSearchHit, ReadyParams, StaleSummaryReport } from '../worker/protocol';
import type { CorpusLanguage } from '../data/languages';
import { hasConfigFile } from '../data/modelFolder';
import type { ParamDescription, ParamRole } from '../data/paramDescriptions';
import type { ModelEntry } from './modelStore';
import { engineSettings } from './settings';
import { tensorflowPathProblem } from '../core/backendSetting';

const LABELS: Record<string, string> = {
  tensorflow: 'TensorFlow (native)',
  wasm: 'WebAssembly',
  cpu: 'JavaScript CPU',
};

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
  worker(): Promise<EngineWorkerClient> {
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

  /** Starts the worker if needed; its backend is reported once per worker, not per request. */
  ensureBackend(): Promise<ReadyParams> {
    this.ready ??= this.worker()
      .then((client) => client.ready())
      .then((ready) => {
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
    return client.request(Translate, { ...request, model: { dir: model.dir, id: model.id } }, signal);
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
