/**
 * The engine worker thread, so that no model work runs on the extension host's thread. It loads
 * TensorFlow.js with the chosen backend, posts `ready`, then serves the requests of protocol.ts:
 * translation (with the workspace index's neighbours and the user's remembered comments), the
 * workspace index (build with progress events, update one file), code search (BM25 over the index,
 * re-ranked by the model), the stale-summary check, parameter descriptions (borrowed from the
 * index, else the parameter model), model validation, corpus mining (with progress events), and
 * training (start, pause, resume, cancel, with progress events; a fine-tune is then judged by the
 * guard unless its cancel skipped it). Models stay loaded between requests (the last few used) and
 * are loaded afresh when their folder changes.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import { selectBackend } from '../core/backend';
import { loadModel, modelFolderSignature } from '../modelFolder/checkpoint';
import { buildCorpus } from '../mining/corpus';
import { writeCorpus } from '../mining/dataset';
import { walkSourceFiles, type WalkSkips } from '../mining/walk';
import { DEFAULT_CANDIDATES, rerank } from '../inference/codeSearch';
import { ModelRunner, type WorkspaceNeighbours } from '../inference/modelRunner';
import { fitScore, isStale, summaryFits } from '../inference/staleSummary';
import { describeParams } from '../inference/paramModel';
import type { ParamDescription } from '../retrieval/paramDescriptions';
import { functionsToDocument } from '../mining/indexMining';
import { guardFineTune } from '../training/guard';
import { prepareTrainJob, resolveModelDir } from '../training/job';
import { LAST_DIR } from '../training/trainer';
import type { Trainer } from '../training/trainer';
import { validate } from '../files/schema';
import {
  IndexBuild,
  IndexProgress,
  IndexUpdate,
  SearchCode,
  CheckSummaries,
  DescribeParams,
  Mine,
  MineProgress,
  Ready,
  TrainCancel,
  TrainPause,
  TrainProgress,
  TrainResume,
  TrainStart,
  TrainStarted,
  Translate,
  ValidateModel,
  type ModelRef,
  WORKER_OPTIONS,
} from './protocol';
import { WorkerServer } from './server';
import { WorkspaceIndexes } from './indexes';

/** Loaded models kept: the active one, the parameter-description model and one more. */
const MAX_MODELS = 3;
/** Documented functions of one file the stale-summary check scores (two model passes per 32). */
const MAX_CHECKED_SUMMARIES = 200;
const runners = new Map<string, Promise<ModelRunner>>();

function disposeRunner(r: Promise<ModelRunner>): void {
  void r.then(
    (x) => x.dispose(),
    () => undefined,
  );
}

/**
 * The loaded model for `model`, keyed on what is on disk (every file's inode, size and time), so
 * a model deleted and imported again under the same name and folder is loaded afresh.
 */
function runnerFor(model: ModelRef): Promise<ModelRunner> {
  const folder = `${model.id}\0${model.dir}\0`;
  const key = folder + modelFolderSignature(model.dir);
  let r = runners.get(key);
  if (!r) {
    for (const [k, stale] of runners)
      if (k.startsWith(folder)) {
        runners.delete(k);
        disposeRunner(stale);
      }
    r = ModelRunner.load(model.dir, model.id);
    r.catch(() => runners.delete(key));
    runners.set(key, r);
    while (runners.size > MAX_MODELS) {
      const [oldest, old] = runners.entries().next().value as [string, Promise<ModelRunner>];
      runners.delete(oldest);
      disposeRunner(old);
    }
  }
  return r;
}

/** Remembered comments whose decoder-memory entries are computed per turn between requests. */
const REMEMBER_PER_TURN = 2;
let remembering: ReturnType<typeof setTimeout> | undefined;

/**
 * Computes the entries of the remembered comments a request left out, a couple at a time (about
 * 0.2 s each turn), yielding to the worker's message loop in between so that a request that comes
 * meanwhile waits for one turn at most. A later request's comments replace these.
 */
function rememberBetweenRequests(runner: ModelRunner, workspace: WorkspaceNeighbours): void {
  if (remembering) clearTimeout(remembering);
  const turn = (): void => {
    remembering = undefined;
    try {
      if (runner.rememberMissing(workspace, workspace.remembered ?? [], REMEMBER_PER_TURN) > 0)
        remembering = setTimeout(turn, 0);
    } catch {
      // The model was unloaded meanwhile: its cache went with it.
    }
  };
  remembering = setTimeout(turn, 0);
}

async function main(): Promise<void> {
  if (!parentPort) throw new Error('worker.ts must run in a worker thread');
  const options = validate(workerData, WORKER_OPTIONS, "the engine worker's start data");
  const server = new WorkerServer(parentPort, options.cancelFlags);
  const choice = await selectBackend({
    setting: options.backend,
    ...(options.tensorflowPath ? { tensorflowPath: options.tensorflowPath } : {}),
    ...(options.workspaceFolders ? { workspaceFolders: options.workspaceFolders } : {}),
    ...(options.wasmDir ? { wasmDir: options.wasmDir } : {}),
  });

  const indexes = new WorkspaceIndexes();
  server.handle(Translate, async (params, ctx) => {
    const runner = await runnerFor(params.model);
    const workspace = indexes.neighboursRemembering(params.file, params.remembered);
    const translation = runner.translate(params, workspace, () => ctx.cancelled());
    if (workspace?.remembered) rememberBetweenRequests(runner, workspace);
    return translation;
  });

  server.handle(IndexBuild, (params, ctx) => {
    let last = 0;
    return indexes.build(
      params,
      (files, file) => {
        const now = Date.now();
        if (now - last > 100) {
          last = now;
          server.emit(IndexProgress, { root: params.root, files, file });
        }
      },
      () => ctx.cancelled(),
    );
  });
  server.handle(IndexUpdate, ({ root, file, content }) => indexes.update(root, file, content));
  server.handle(SearchCode, async ({ query, model, limit }) => {
    const runner = await runnerFor(model);
    const hits = indexes
      .all()
      .flatMap((index) => index.search(query, DEFAULT_CANDIDATES).map((h) => ({ ...h, root: index.root })))
      .sort((a, b) => b.score - a.score)
      .slice(0, DEFAULT_CANDIDATES);
    const roots = new Map(hits.map((h) => [h.fn, h.root]));
    return rerank(hits, query, runner)
      .slice(0, limit ?? 20)
      .map((r) => ({
        ...r.fn,
        root: roots.get(r.fn)!,
        score: r.score,
        bm25: r.bm25,
        ...(r.code2doc !== undefined ? { code2doc: r.code2doc } : {}),
      }));
  });

  server.handle(CheckSummaries, async ({ model, lang, text }) => {
    const runner = await runnerFor(model);
    const calibration = runner.meta.staleSummary;
    if (!calibration) return { calibrated: false, stale: [] };
    const documented = (await functionsToDocument(indexes.parsers(), lang, text.replace(/\r\n?/g, '\n')))
      .filter((f) => f.existing)
      .slice(0, MAX_CHECKED_SUMMARIES);
    const fits = summaryFits(
      runner,
      documented.map((f) => ({ code: f.code, summary: f.existing! })),
    );
    return {
      calibrated: true,
      precision: calibration.precision,
      recall: calibration.recall,
      stale: documented.flatMap((f, i) =>
        isStale(fits[i]!, calibration) ? [{ line: f.line, name: f.name, score: fitScore(fits[i]!, calibration) }] : [],
      ),
    };
  });

  server.handle(DescribeParams, async ({ file, names, roles, code, paramModel }) => {
    const ws = indexes.neighboursFor(file);
    const out: Record<string, ParamDescription> = {};
    for (const name of names) {
      const d = ws?.index.borrowedParamDescription(name, ws.excludePath, roles?.[name]);
      if (d) out[name] = d;
    }
    const rest = names.filter((n) => !(n in out));
    if (code === undefined || !paramModel || rest.length === 0) return out;
    return { ...out, ...describeParams(await runnerFor(paramModel), code, rest) };
  });

  server.handle(ValidateModel, async ({ dir }) => {
    const { model } = await loadModel(dir);
    try {
      const parameters = model.variables.reduce((n, v) => n + v.size, 0);
      return { arch: model.config.arch, parameters };
    } finally {
      model.dispose();
    }
  });

  server.handle(Mine, async (params, ctx) => {
    const skips: WalkSkips = {};
    let lastReport = 0;
    const report = await buildCorpus(
      walkSourceFiles(
        params.roots,
        {
          ...(params.include ? { include: params.include } : {}),
          ...(params.exclude ? { exclude: params.exclude } : {}),
          ...(params.maxFileBytes ? { maxFileBytes: params.maxFileBytes } : {}),
        },
        skips,
      ),
      {
        isCancelled: () => ctx.cancelled(),
        onFile: (files, pairs, file) => {
          const now = Date.now();
          if (now - lastReport > 100) {
            lastReport = now;
            server.emit(MineProgress, { files, pairs, file });
          }
        },
      },
    );
    fs.mkdirSync(path.dirname(params.out), { recursive: true });
    writeCorpus(params.out, report.pairs);
    const skipped: Record<string, number> = { ...skips, ...report.skippedFiles };
    return {
      files: report.files,
      pairs: report.pairs.length,
      perLanguage: report.perLanguage as Record<string, number>,
      skipped,
      corpus: params.out,
    };
  });

  // The run in progress, claimed before the slow setup so that a second start is refused at
  // once; a cancel during the setup is kept and applied once the trainer exists.
  type Job = { cancelled: boolean; skipGuard: boolean; trainer?: Trainer };
  let job: Job | undefined;
  server.handle(TrainStart, async (params, ctx) => {
    if (job) throw new Error('a training run is already in progress; stop it (Seq2Seq: Stop Training) first.');
    const current: Job = { cancelled: false, skipGuard: false };
    job = current;
    try {
      const { trainer, summary, test, documented } = await prepareTrainJob(params, (e) =>
        server.emit(TrainProgress, e),
      );
      current.trainer = trainer;
      if (current.cancelled) trainer.cancel();
      const poll = setInterval(() => {
        if (ctx.cancelled()) trainer.cancel();
      }, 100);
      let finished: Awaited<ReturnType<Trainer['run']>>;
      try {
        server.emit(TrainStarted, summary);
        finished = await trainer.run();
      } finally {
        clearInterval(poll);
        trainer.dispose();
        trainer.model.dispose();
      }
      if (!params.initModel || params.guardBaseName === undefined || current.skipGuard) return finished;
      const tuned = finished.bestDir ?? path.join(params.outDir, LAST_DIR);
      const guard = await guardFineTune(
        resolveModelDir(params.initModel),
        tuned,
        test,
        documented,
        params.guardBaseName,
      );
      return { ...finished, guard };
    } finally {
      job = undefined;
    }
  });
  server.handle(TrainPause, () => (job?.trainer?.pause(), { running: job !== undefined }));
  server.handle(TrainResume, () => (job?.trainer?.resume(), { running: job !== undefined }));
  server.handle(TrainCancel, ({ skipGuard }) => {
    if (job) {
      job.cancelled = true;
      if (skipGuard) job.skipGuard = true;
    }
    job?.trainer?.cancel();
    return { running: job !== undefined };
  });

  server.emit(Ready, { backend: choice.name, reason: choice.reason });
}

main().catch((e: unknown) => {
  // Reported to the host as the worker's 'error' event, with this message.
  throw e instanceof Error ? e : new Error(String(e));
});
