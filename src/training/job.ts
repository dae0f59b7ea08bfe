/**
 * A training job from files: a JSONL corpus (split by file into train/valid/test with a seed, or
 * already split by project into three files, as scripts/corpus writes them),
 * a config file, and a run folder. Shared by the CLI (`seq2seq train`) and the worker thread, so
 * both train the same way. It trains a new tokenizer, or reuses the one of the model it
 * fine-tunes from (`initModel`: the model's vocabulary decides, so a vocabulary mismatch cannot
 * happen), or the one of the checkpoint it resumes (`resume`). Every checkpoint holds
 * `tokenizer.json`, so `best/` and `last/` are ordinary model folders.
 */
import * as fs from 'fs';
import * as path from 'path';

import { DEFAULT_MODEL_CONFIG, resolveModelConfig, type ModelConfig } from '../core/config';
import { recoverFolder } from '../modelFolder/atomicFolder';
import { isCompleteModelFolder, loadModel, recoverModelFolder } from '../modelFolder/checkpoint';
import { buildModel, type Seq2SeqModel } from '../core/model';
import type { Direction } from '../core/specialTokens';
import {
  makeBatches,
  makeExample,
  makeExamples,
  readCorpus,
  type CorpusRecord,
  type Example,
  type ExampleOptions,
  type ExamplesOptions,
} from '../mining/dataset';
import {
  MEMORY_FILE,
  TOKENIZER_FILE,
  provenancePath,
  peekConfigFile,
  readConfigFile,
  retrievalScope,
  type ModelMeta,
  type RetrievalMeta,
} from '../modelFolder/format';
import { MAX_MEMORY_BYTES, loadTokenizerFile, projectRetrievalKind, readModelFile } from '../modelFolder/sideFiles';
import { ProjectMemories } from '../retrieval/projectMemory';
import { hashString } from '../mining/random';
import { ExampleMemory, NEIGHBOUR_MAX_TOKENS, type MemoryKind } from '../retrieval/retrieval';
import { splitByFile } from '../mining/dedupSplit';
import { CodeTokenizer } from '../tokenizer/tokenizer';
import { checkLengthLimits, dropLongPairs, type DroppedPairs, type LengthLimits } from '../mining/lengthFilter';
import { prepareTrainingBackend } from './backendSetup';
import type { EvalExample } from './evaluation';
import type { TrainerListener } from './events';
import { cachedExamples, examplesKey } from './examplesCache';
import { interleaveLanguages } from './quality';
import { mixedBatches, readRehearsalSample } from './rehearsal';
import {
  DEFAULT_TRAINING,
  FINE_TUNE_REHEARSAL_SHARE,
  FINE_TUNE_TRAINING,
  TRAIN_JOB_DEFAULTS,
  type TrainerOptions,
} from './trainingDefaults';
import { BEST_DIR, LAST_DIR, Trainer, type TrainingData } from './trainer';
import { corpusFingerprint, initialTrainState, isTrainCheckpoint } from './trainState';
import { trainJobLimitsProblem, type TrainConfigFile } from './trainConfigFile';
import { createOptimizer } from './optimizers';

/** Puts a neighbour's summary before a record's code, or nothing. */
export type SourcePrefix = (record: CorpusRecord) => string | undefined;

export interface TrainJobParams {
  /** The corpus; with `validCorpus` and `testCorpus`, the training split alone. */
  readonly corpus: string;
  /** Validation and test splits made beforehand (e.g. by project): no split by file then. */
  readonly validCorpus?: string;
  readonly testCorpus?: string;
  readonly outDir: string;
  readonly config?: TrainConfigFile;
  /** Continue from `<outDir>/last`. */
  readonly resume?: boolean;
  /** Fine-tune this model folder (its tokenizer is reused). */
  readonly initModel?: string;
  /**
   * Start a new run from this model folder's weights and tokenizer, at the step its meta records:
   * the learning-rate schedule and the position in the training batches go on from there (one
   * batch per step), the optimizer's moments start afresh. For a run whose checkpoints are lost
   * but whose exported model is not (the installed default model): unlike `initModel` this is not
   * fine-tuning: the config's own training options, no rehearsal, the model's retrieval.
   */
  readonly continueFrom?: string;
  /**
   * Keep the tokenized training examples in `outDir` and reuse them when nothing they depend on
   * changed (a long run's later chunks; src/training/examplesCache.ts).
   */
  readonly cacheExamples?: boolean;
  /**
   * The caller holds `outDir`'s run lock (src/modelFolder/runLock.ts): no other process can be saving
   * there, so whatever a crashed save left beside `best/` and `last/` is put back or removed,
   * whichever process id it names ({@link recoverRunFolder}).
   */
  readonly ownsOutDir?: boolean;
  /**
   * Also make the validation examples without neighbours (`examples.validBare`, for the native
   * engine's second validation loss) when the run has neighbours.
   */
  readonly validBare?: boolean;
}

/** A run's settings with every default filled in: what `train` prints and a model folder records. */
export type ResolvedTrainOptions = {
  readonly origin: 'new' | 'resumed' | 'fine-tuned' | 'continued';
  readonly corpus: string;
  readonly model: Partial<ModelConfig>;
  /** The trainer's settings (TrainerOptions without the run folder and files). */
  readonly training: Partial<Omit<TrainerOptions, 'outDir' | 'extraFiles' | 'meta'>>;
  /** How the examples were made. */
  readonly data: Readonly<Record<string, unknown>>;
};

export interface TrainJobSummary {
  readonly trainPairs: number;
  readonly validPairs: number;
  readonly testPairs: number;
  readonly trainBatches: number;
  readonly vocabSize: number;
  readonly parameters: number;
  readonly startStep: number;
  /** Data-parallel training threads (1: no gradient workers). */
  readonly threads: number;
  readonly origin: 'new' | 'resumed' | 'fine-tuned' | 'continued';
  /** Base-corpus examples mixed into the batches (fine-tuning with rehearsal), else 0. */
  readonly rehearsalPairs?: number;
  /** Set when a resumed run's corpus is not the file it started with (the caller shows it). */
  readonly corpusWarning?: string;
  /** Training pairs dropped by maxCodeTokens / maxSummaryWords (absent when neither is set). */
  readonly dropped?: DroppedPairs;
}

/**
 * Puts back the `best/` and `last/` a crashed save left aside in the run folder `outDir` and
 * removes every other leftover of a save (`.best.tmp-*`, `.last.old-*`), whichever process id
 * they name: only for a caller that holds the folder's run lock (a process id alone cannot say
 * whether the save is over: a container restarted with its trainer as process 1 again).
 */
export function recoverRunFolder(outDir: string): void {
  for (const sub of [BEST_DIR, LAST_DIR])
    recoverFolder(path.resolve(outDir, sub), isCompleteModelFolder, { owned: true });
}

/** Where a usable model lives in `dir`: a run folder's best/ or last/, or `dir` itself. */
export function resolveModelDir(dir: string): string {
  for (const sub of [BEST_DIR, LAST_DIR]) if (recoverModelFolder(path.join(dir, sub))) return path.join(dir, sub);
  return dir;
}

export function loadTokenizerBeside(dir: string): CodeTokenizer {
  const file = path.join(dir, TOKENIZER_FILE);
  if (!fs.existsSync(file))
    throw new Error(`${dir} has no ${TOKENIZER_FILE}; it cannot be used without its tokenizer.`);
  // A model or run folder's file: no link, device or pipe, size and schema checked (src/modelFolder/sideFiles.ts).
  try {
    return loadTokenizerFile(dir, TOKENIZER_FILE);
  } catch (e) {
    throw new Error(`the tokenizer in ${dir} cannot be used: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The directions a run trains when its config names none. */
export const DEFAULT_DIRECTIONS: readonly Direction[] = ['code2doc', 'doc2code'];

/** Examples for evaluation, grouped as "<lang> <direction>". */
export function evalExamples(
  records: readonly CorpusRecord[],
  tokenizer: CodeTokenizer,
  config: ExampleOptions,
  directions: readonly Direction[],
  prefix?: SourcePrefix,
): EvalExample[] {
  const out: EvalExample[] = [];
  for (const r of records)
    for (const d of directions) {
      const e = makeExample(r, d, tokenizer, config, d === 'code2doc' ? prefix?.(r) : undefined);
      out.push({ src: e.src, tgt: e.tgt, group: `${r.lang} ${d}` });
    }
  return out;
}

/**
 * A run's validation examples, interleaved by language (the trainer's evaluations score a prefix
 * of them, evalLimit). Without `prefix` no source has a neighbour: what the model sees in a
 * folder with no documented function (ModelRunner.encodeSource with no neighbour).
 */
export function validationExamples(
  valid: readonly CorpusRecord[],
  tokenizer: CodeTokenizer,
  config: ExampleOptions,
  directions: readonly Direction[],
  prefix?: SourcePrefix,
): EvalExample[] {
  return evalExamples(interleaveLanguages(valid), tokenizer, config, directions, prefix);
}

/**
 * Where a run starts: its tokenizer, the model it fine-tunes (none when new or resumed, a resumed
 * model is loaded by the trainer) and the retrieval it inherits from that model or checkpoint.
 */
interface StartingPoint {
  readonly tokenizer: CodeTokenizer;
  readonly model?: Seq2SeqModel;
  readonly origin: TrainJobSummary['origin'];
  readonly inheritsRetrieval: boolean;
  readonly inheritedScope?: ReturnType<typeof retrievalScope>;
  /** The kind of memory (graded or not, neighbour length) a model trained with it keeps. */
  readonly memoryKind: MemoryKind;
  /** The fine-tuned model's folder and meta. */
  readonly base?: { readonly dir: string; readonly meta: ModelMeta };
  /** A continued model's step (the run goes on from there). */
  readonly continuedAt?: number;
}

/** The `last/` checkpoint to resume from, with its tokenizer and retrieval. */
function resumePoint(outDir: string, lastDir: string, memoryKind: MemoryKind): StartingPoint {
  if (!isTrainCheckpoint(lastDir))
    throw new Error(`nothing to resume in ${outDir} (no ${LAST_DIR}/ checkpoint); train without --resume.`);
  const tokenizer = loadTokenizerBeside(lastDir);
  // A resumed run keeps the retrieval it was started with, whatever the config says now.
  const saved = readConfigFile(lastDir).meta;
  return {
    tokenizer,
    origin: 'resumed',
    inheritsRetrieval: saved.retrieval !== undefined,
    inheritedScope: retrievalScope(saved),
    memoryKind: saved.retrieval ? savedMemoryKind(lastDir, saved.retrieval) : memoryKind,
  };
}

/** The model to fine-tune (or continue), with its own tokenizer and retrieval. */
async function fineTunePoint(initModel: string, memoryKind: MemoryKind): Promise<StartingPoint> {
  const dir = resolveModelDir(initModel);
  const tokenizer = loadTokenizerBeside(dir);
  const { model, meta } = await loadModel(dir);
  if (tokenizer.vocabSize > Math.min(model.config.srcVocabSize, model.config.tgtVocabSize)) {
    model.dispose();
    throw new Error(`the tokenizer in ${dir} has more tokens than its model; re-export the model.`);
  }
  return {
    tokenizer,
    model,
    origin: 'fine-tuned',
    inheritsRetrieval: meta.retrieval !== undefined,
    inheritedScope: retrievalScope(meta),
    memoryKind: meta.retrieval ? savedMemoryKind(dir, meta.retrieval) : memoryKind,
    base: { dir, meta },
  };
}

/** Resumed, fine-tuned, or new with a tokenizer trained on the training split. */
async function startingPoint(
  params: TrainJobParams,
  cfg: TrainConfigFile,
  train: readonly CorpusRecord[],
  lastDir: string,
): Promise<StartingPoint> {
  const memoryKind: MemoryKind = { graded: true, neighbourTokens: cfg.neighbourTokens ?? NEIGHBOUR_MAX_TOKENS };
  if (params.resume) return resumePoint(params.outDir, lastDir, memoryKind);
  if (params.initModel && params.continueFrom)
    throw new Error('give a model to fine-tune or one to continue, not both');
  if (params.initModel) return fineTunePoint(params.initModel, memoryKind);
  if (params.continueFrom) {
    const point = await fineTunePoint(params.continueFrom, memoryKind);
    const step = point.base!.meta.step;
    if (!(typeof step === 'number' && step > 0)) {
      point.model?.dispose();
      throw new Error(`${params.continueFrom} does not record the step it was trained to; it cannot be continued.`);
    }
    const { base: _base, ...continued } = point;
    return { ...continued, origin: 'continued', continuedAt: step };
  }
  const tokenizer = CodeTokenizer.train(
    train.flatMap((r) => [r.code, r.summary]),
    { vocabSize: cfg.vocabSize ?? TRAIN_JOB_DEFAULTS.vocabSize },
  );
  return { tokenizer, origin: 'new', inheritsRetrieval: false, memoryKind };
}

/** Reads, splits and tokenizes; builds (or loads) the model; returns a ready Trainer. */
export async function prepareTrainJob(
  params: TrainJobParams,
  listener: TrainerListener,
): Promise<{
  trainer: Trainer;
  tokenizer: CodeTokenizer;
  summary: TrainJobSummary;
  test: CorpusRecord[];
  /** Every pair of the job, all splits: the workspace the guard's models read neighbours from. */
  documented: CorpusRecord[];
  /**
   * The tokenized examples the trainer reads (what the native engine is handed), and with
   * `params.validBare` the validation examples without neighbours.
   */
  examples: {
    readonly train: readonly Example[];
    readonly valid: readonly Example[];
    readonly validBare?: readonly Example[];
  };
  /** The trainer's resolved options: training settings, and the files and meta of every checkpoint. */
  options: TrainerOptions;
  /** What the run trains with, every default filled in (also in the saved model's meta.training.options). */
  resolved: ResolvedTrainOptions;
}> {
  prepareTrainingBackend();
  const cfg = params.config ?? {};
  const limitsProblem = trainJobLimitsProblem(cfg);
  if (limitsProblem) throw new Error(`the training config: ${limitsProblem}.`);
  const seed = cfg.seed ?? TRAIN_JOB_DEFAULTS.seed;
  const lengthLimits: LengthLimits = {
    ...(cfg.maxCodeTokens !== undefined ? { maxCodeTokens: cfg.maxCodeTokens } : {}),
    ...(cfg.maxSummaryWords !== undefined ? { maxSummaryWords: cfg.maxSummaryWords } : {}),
  };
  checkLengthLimits(lengthLimits);
  const splits = await readSplits(params, cfg, seed);
  if (splits.train.length === 0) throw new Error('the training split is empty; the corpus is too small.');
  if (params.ownsOutDir) recoverRunFolder(params.outDir);
  const lastDir = path.join(params.outDir, LAST_DIR);
  const start = await startingPoint(params, cfg, splits.train, lastDir);
  const { tokenizer, origin, inheritsRetrieval, inheritedScope, memoryKind } = start;
  let model = start.model;
  const baseDir = start.base?.dir;
  const baseMeta = start.base?.meta;
  const baseDecoding = baseMeta?.decoding;
  const filtered =
    Object.keys(lengthLimits).length > 0
      ? dropLongPairs(splits.train, lengthLimits, (code) => tokenizer.encode(code).length)
      : undefined;
  const trainPairs = filtered?.kept ?? splits.train;
  if (trainPairs.length === 0)
    throw new Error(
      `every training pair is longer than maxCodeTokens / maxSummaryWords (${JSON.stringify(lengthLimits)}); raise them.`,
    );

  const limits = {
    maxSrcLen: model?.config.maxSrcLen ?? cfg.model?.maxSrcLen ?? DEFAULT_MODEL_CONFIG.maxSrcLen,
    maxTgtLen: model?.config.maxTgtLen ?? cfg.model?.maxTgtLen ?? DEFAULT_MODEL_CONFIG.maxTgtLen,
  };
  const directions = cfg.directions ?? DEFAULT_DIRECTIONS;
  const projectScope = inheritsRetrieval ? inheritedScope === 'project' : cfg.retrieval === 'project';
  const scope = projectScope ? 'project' : cfg.retrieval || inheritsRetrieval ? 'corpus' : 'none';
  const neighbourDropout = cfg.neighbourDropout ?? 0;
  const { memory, prefix, validPrefix } = sourcePrefixes(splits, scope, memoryKind, { neighbourDropout, seed });
  const exampleOptions = {
    ...limits,
    neighbourTokens: memoryKind.neighbourTokens,
    directions,
    doc2codeShare: cfg.doc2codeShare ?? TRAIN_JOB_DEFAULTS.doc2codeShare,
    seed,
  };
  const make = () =>
    makeExamples(trainPairs, tokenizer, { ...exampleOptions, ...(prefix ? { sourcePrefix: prefix } : {}) });
  const trainExamples = params.cacheExamples
    ? cachedExamples(
        params.outDir,
        examplesKey(params.corpus, {
          ...exampleOptions,
          scope,
          ...(neighbourDropout > 0 ? { neighbourDropout } : {}),
          graded: memoryKind.graded,
          ...lengthLimits,
          tokenizer: tokenizer.toJSON(),
        }),
        make,
      )
    : make();
  const validExamples = validationExamples(
    splits.valid,
    tokenizer,
    { ...limits, neighbourTokens: memoryKind.neighbourTokens },
    directions,
    validPrefix,
  );
  const validBare =
    params.validBare && validPrefix ? validationExamples(splits.valid, tokenizer, limits, directions) : undefined;
  const batchSize = cfg.batchSize ?? TRAIN_JOB_DEFAULTS.batchSize;
  const rehearsal = baseDir
    ? await rehearsalExamples(baseDir, baseMeta, tokenizer, {
        ...limits,
        directions,
        seed,
        doc2codeShare: cfg.doc2codeShare ?? TRAIN_JOB_DEFAULTS.doc2codeShare,
      })
    : [];
  const share = baseDir ? (cfg.rehearsalShare ?? FINE_TUNE_REHEARSAL_SHARE) : 0;
  const data: TrainingData = {
    trainBatches: (epoch) =>
      rehearsal.length > 0 && share > 0
        ? mixedBatches(trainExamples, rehearsal, { batchSize, seed: seed * 1000 + epoch, share })
        : makeBatches(trainExamples, { batchSize, seed: seed * 1000 + epoch }),
    validBatches: makeBatches(validExamples, { batchSize, seed }),
    validExamples: validExamples
      .filter((e) => e.group?.endsWith('code2doc'))
      .concat(validExamples.filter((e) => !e.group?.endsWith('code2doc'))),
    detokenize: (ids) => tokenizer.decode(ids).trim(),
  };
  const fingerprint = corpusFingerprint(params.corpus);
  const corpusWarning = params.resume ? resumedCorpusWarning(lastDir, params.corpus, fingerprint) : undefined;
  const training = {
    ...(baseDir ? FINE_TUNE_TRAINING : DEFAULT_TRAINING),
    // A continued run's starting weights are the checkpoint to beat (best/ keeps them if nothing does).
    ...(start.continuedAt !== undefined ? { evaluateAtStart: true } : {}),
    // Minimum risk lowers a decoded metric's risk, not the references' cross-entropy: best/ and
    // early stopping follow sentence BLEU unless the config names a metric.
    ...(cfg.training?.objective === 'mrt' ? { stopMetric: 'sentenceBleu' as const } : {}),
    ...cfg.training,
  };
  // Everything this run trains with, defaults filled in: printed by `train`, kept in the model's meta.
  const resolved: ResolvedTrainOptions = {
    origin,
    corpus: provenancePath(params.corpus),
    model:
      model?.config ??
      (params.resume
        ? readConfigFile(lastDir).config
        : resolveModelConfig({ ...cfg.model, ...limits }, tokenizer.vocabSize, tokenizer.vocabSize)),
    training,
    data: {
      batchSize,
      vocabSize: tokenizer.vocabSize,
      seed,
      directions,
      doc2codeShare: cfg.doc2codeShare ?? TRAIN_JOB_DEFAULTS.doc2codeShare,
      retrieval: scope,
      ...(scope !== 'none' ? { neighbourTokens: memoryKind.neighbourTokens, neighbourDropout } : {}),
      ...(baseDir ? { rehearsalShare: share } : {}),
      ...lengthLimits,
    },
  };
  const options: TrainerOptions = {
    ...training,
    outDir: params.outDir,
    extraFiles: {
      [TOKENIZER_FILE]: JSON.stringify(tokenizer.toJSON()),
      ...(memory ? { [MEMORY_FILE]: JSON.stringify(memory.toJSON()) } : {}),
    },
    meta: {
      tokenizer: TOKENIZER_FILE,
      ...(memory ? { retrieval: { memory: MEMORY_FILE, entries: memory.size } } : {}),
      ...(projectScope
        ? { retrieval: { scope: 'project', graded: memoryKind.graded, neighbourTokens: memoryKind.neighbourTokens } }
        : {}),
      training: {
        corpus: provenancePath(params.corpus),
        seed,
        trainPairs: trainPairs.length,
        ...(filtered ? { lengthFilter: { ...lengthLimits, dropped: filtered.dropped } } : {}),
        options: resolved,
        ...(fingerprint ? { corpusFingerprint: fingerprint } : {}),
      },
      // A fine-tuned model decodes as its base was tuned to (length reward, reuse threshold).
      ...(baseDecoding !== undefined ? { decoding: baseDecoding } : {}),
    },
  };
  let trainer: Trainer;
  if (params.resume) trainer = await Trainer.fromCheckpoint(lastDir, data, options, listener);
  else if (model && start.continuedAt !== undefined) {
    const perEpoch = data.trainBatches(0).length;
    const state = {
      ...initialTrainState(start.continuedAt),
      rewarmFrom: start.continuedAt,
      epoch: Math.floor(start.continuedAt / perEpoch),
      batchInEpoch: start.continuedAt % perEpoch,
    };
    trainer = new Trainer(model, data, options, listener, createOptimizer(options.optimizer), state);
  } else {
    model ??= buildModel({ ...cfg.model, ...limits }, tokenizer.vocabSize, tokenizer.vocabSize, seed);
    trainer = new Trainer(model, data, options, listener);
  }
  return {
    trainer,
    tokenizer,
    test: splits.test,
    documented: [...splits.train, ...splits.valid, ...splits.test],
    examples: { train: trainExamples, valid: validExamples, ...(validBare ? { validBare } : {}) },
    options,
    resolved,
    summary: {
      trainPairs: trainPairs.length,
      ...(filtered ? { dropped: filtered.dropped } : {}),
      validPairs: splits.valid.length,
      testPairs: splits.test.length,
      trainBatches: data.trainBatches(0).length,
      vocabSize: tokenizer.vocabSize,
      parameters: trainer.model.variables.reduce((n, v) => n + v.size, 0),
      startStep: trainer.step,
      threads: options.threads ?? 1,
      origin,
      ...(corpusWarning ? { corpusWarning } : {}),
      rehearsalPairs: share > 0 ? rehearsal.length : 0,
    },
  };
}

/**
 * The base model's rehearsal sample as examples, each code2doc source prefixed with its neighbour
 * from the base model's own memory (as in the base model's training), none when it has no sample.
 */
async function rehearsalExamples(
  baseDir: string,
  base: ModelMeta | undefined,
  tokenizer: CodeTokenizer,
  options: ExamplesOptions,
): Promise<Example[]> {
  const records = await readRehearsalSample(baseDir);
  if (records.length === 0) return [];
  const kind = projectRetrievalKind(base);
  if (kind) {
    // A project-scoped base ships whole projects as its sample: each pair's neighbour comes from
    // its own project's other files, as in the base's training.
    const projects = new ProjectMemories(records, kind);
    return makeExamples(records, tokenizer, {
      ...options,
      neighbourTokens: kind.neighbourTokens,
      sourcePrefix: (r) => projects.prefix(r),
    });
  }
  const memoryFile = path.join(baseDir, MEMORY_FILE);
  const memory = fs.existsSync(memoryFile)
    ? ExampleMemory.fromJSON(JSON.parse(readModelFile(memoryFile, MAX_MEMORY_BYTES)))
    : undefined;
  return makeExamples(records, tokenizer, {
    ...options,
    ...(memory ? { neighbourTokens: memory.neighbourTokens, sourcePrefix: (r) => memory.prefix(r.code, r.path) } : {}),
  });
}

/**
 * What goes before each split's code2doc sources. `corpus`: the most similar training function
 * from another file, the training split being the memory saved with the model. `project`: the most
 * similar function of the record's own project, from another file; validation projects look only
 * at themselves (never seen in training, like a user's workspace). With `neighbourDropout`, that
 * share of the training pairs (a seeded hash of file and code) goes without a neighbour.
 */
export function sourcePrefixes(
  splits: { readonly train: readonly CorpusRecord[]; readonly valid: readonly CorpusRecord[] },
  scope: 'none' | 'corpus' | 'project',
  kind: MemoryKind,
  options: { readonly neighbourDropout?: number; readonly seed?: number } = {},
): { memory?: ExampleMemory; prefix?: SourcePrefix; validPrefix?: SourcePrefix } {
  if (scope === 'none') return {};
  const dropout = options.neighbourDropout ?? 0;
  if (!(dropout >= 0 && dropout < 1))
    throw new Error(`neighbourDropout must be in [0, 1), got ${JSON.stringify(options.neighbourDropout)}`);
  const threshold = dropout * 2 ** 32;
  const seed = options.seed ?? 1;
  const kept = (prefix: SourcePrefix): SourcePrefix =>
    dropout > 0 ? (r) => (hashString(`${r.path}\0${r.code}`, seed) < threshold ? undefined : prefix(r)) : prefix;
  if (scope === 'corpus') {
    const memory = ExampleMemory.build(splits.train, kind);
    const prefix: SourcePrefix = (r) => memory.prefix(r.code, r.path);
    return { memory, prefix: kept(prefix), validPrefix: prefix };
  }
  const train = new ProjectMemories(splits.train, kind);
  const valid = new ProjectMemories(splits.valid, kind);
  return { prefix: kept((r) => train.prefix(r)), validPrefix: (r) => valid.prefix(r) };
}

/**
 * A warning when the run in `lastDir` was started on another corpus than `corpus` (its recorded
 * fingerprint differs); undefined when they match or the run recorded none.
 */
function resumedCorpusWarning(lastDir: string, corpus: string, fingerprint: string | undefined): string | undefined {
  const saved = peekConfigFile(lastDir)?.meta?.training;
  if (!saved?.corpusFingerprint || !fingerprint || saved.corpusFingerprint === fingerprint) return undefined;
  return (
    `${corpus} is not the corpus this run started with (${saved.corpus}: its size or content differs); ` +
    'the resumed run trains on the new pairs, and its split and scores are no longer comparable with the earlier steps.'
  );
}

/** The kind of the example memory saved in a model folder (or, project-scoped, named in its meta). */
function savedMemoryKind(dir: string, r: RetrievalMeta): MemoryKind {
  const project = projectRetrievalKind({ retrieval: r });
  if (project) return project;
  const file = path.join(dir, MEMORY_FILE);
  if (!fs.existsSync(file)) return { graded: true, neighbourTokens: NEIGHBOUR_MAX_TOKENS };
  return ExampleMemory.kindOf(JSON.parse(readModelFile(file, MAX_MEMORY_BYTES)) as { version?: number });
}

/** The train/valid/test records: three files made beforehand, or one corpus split by file. */
async function readSplits(
  params: TrainJobParams,
  cfg: TrainConfigFile,
  seed: number,
): Promise<{ train: CorpusRecord[]; valid: CorpusRecord[]; test: CorpusRecord[] }> {
  if ((params.validCorpus === undefined) !== (params.testCorpus === undefined))
    throw new Error('give both the validation and the test split (or neither, to split the corpus by file).');
  const records = await readCorpus(params.corpus);
  if (records.length === 0) throw new Error(`${params.corpus} holds no pairs; mine a corpus first (seq2seq mine).`);
  if (params.validCorpus !== undefined && params.testCorpus !== undefined) {
    const [valid, test] = await Promise.all([readCorpus(params.validCorpus), readCorpus(params.testCorpus)]);
    if (valid.length === 0) throw new Error(`${params.validCorpus} holds no pairs; rebuild the corpus.`);
    return { train: records, valid, test };
  }
  return splitByFile(records, {
    seed,
    validFraction: cfg.validFraction ?? TRAIN_JOB_DEFAULTS.validFraction,
    testFraction: cfg.testFraction ?? TRAIN_JOB_DEFAULTS.testFraction,
  });
}
