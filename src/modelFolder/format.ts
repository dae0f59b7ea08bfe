/**
 * The model folder's format, in one place and without TensorFlow.js (the extension host reads it
 * too): the names of the files a model folder holds, the typed metadata record (`ModelMeta`) that
 * config.json carries beside the model config, and the only code that reads or writes config.json.
 * src/modelFolder/checkpoint.ts writes the weights and calls {@link configFileText} for the
 * description; src/modelFolder/sideFiles.ts reads the side files (tokenizer, example memory) safely.
 *
 * Format version 1 (every folder saved so far, the bundled default model included) is the one
 * described here; a folder of another version is refused with a message that says what to do.
 */
import * as fs from 'fs';
import * as path from 'path';

import type { ModelConfig } from '../core/config';
import { DECODING_LIMITS, type TunedDecoding } from '../core/decoding';
import { readGuardedJsonSync, type GuardOptions } from '../files/guardedRead';

/** The version of the folder format written by this code and the only one it reads. */
export const MODEL_FORMAT_VERSION = 1;

/** The model description: format version, model config, meta, the weights' size and checksum. Written last. */
export const CONFIG_FILE = 'config.json';
/** The most bytes config.json (and the weights manifest) may have: a model description is a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** The weights in the TensorFlow.js format, and their manifest (names, shapes, dtypes). */
export const WEIGHTS_FILE = 'weights.bin';
export const MANIFEST_FILE = 'weights_manifest.json';
/** The tokenizer (the name a model's meta gives, this one by default). */
export const TOKENIZER_FILE = 'tokenizer.json';
/** A retrieval model's example memory: the training pairs its neighbours come from. */
export const MEMORY_FILE = 'memory.json';
/** A sample of the model's own training pairs, mixed into fine-tuning batches (rehearsal). */
export const REHEARSAL_FILE = 'rehearsal.jsonl';
/** A training checkpoint's extra files (a run's `last/` folder). */
export const TRAIN_STATE_FILE = 'trainState.json';
export const OPTIMIZER_SPECS_FILE = 'optimizer.json';

/**
 * How a retrieval-augmented model finds the neighbour whose summary goes before the code:
 * from the memory saved beside its weights, or (`scope: 'project'`) from the same project's other
 * files, which the workspace index gives at inference time (no memory is saved).
 */
export type RetrievalMeta =
  | { readonly memory: string; readonly entries?: number }
  | { readonly scope: 'project'; readonly graded: boolean; readonly neighbourTokens?: number };

/**
 * The calibration of the "summary may be stale" check for this model (written by
 * `npm run bench:staleness -- --calibrate`): a summary's fit to its code is the model's PMI
 * (log-probability of the summary given the code minus given an empty function) and the code's
 * and summary's subtoken overlap, each standardised with the mean and deviation seen on
 * validation projects, summed; below `threshold` the summary is flagged. `precision` and `recall`
 * are what the flag scored on held-out test projects.
 */
export interface StaleSummaryMeta {
  readonly pmi: { readonly mean: number; readonly sd: number };
  readonly overlap: { readonly mean: number; readonly sd: number };
  readonly threshold: number;
  readonly precision: number;
  readonly recall: number;
}

/** Where the model's training pairs came from. */
export interface TrainingProvenance {
  /** The corpus file, relative to the folder training ran from when it lies inside it. */
  readonly corpus: string;
  /** Absent only in folders written by other tools. */
  readonly seed?: number;
  readonly trainPairs?: number;
  /** The corpus file's size and a hash of its ends (src/training/trainState.ts corpusFingerprint). */
  readonly corpusFingerprint?: string;
  /**
   * How the model was trained, every default filled in (src/training/job.ts ResolvedTrainOptions:
   * model, training, data), so a model folder says how it was made.
   */
  readonly options?: Readonly<Record<string, unknown>>;
  /** The length filters' limits and the training pairs they dropped (src/mining/lengthFilter.ts). */
  readonly lengthFilter?: Readonly<Record<string, unknown>>;
}

/** The metadata config.json stores next to the model config. */
export interface ModelMeta {
  readonly formatVersion: number;
  /** ISO time of saving. */
  readonly createdAt: string;
  /** File name of the tokenizer beside the weights (default {@link TOKENIZER_FILE}). */
  readonly tokenizer?: string;
  readonly retrieval?: RetrievalMeta;
  /** Decoding settings tuned for the model on its validation pairs (the default model's recipe). */
  readonly decoding?: TunedDecoding;
  readonly staleSummary?: StaleSummaryMeta;
  /**
   * A parameter-description model's threshold (chosen on validation projects by
   * `npm run bench:params`): answers whose mean token probability is lower are not used.
   */
  readonly minConfidence?: number;
  readonly training?: TrainingProvenance;
  /** Held-out scores at saving (loss, perplexity, BLEU, ...). */
  readonly metrics?: Record<string, number>;
  /** The training step the weights are from. */
  readonly step?: number;
  /** The steps whose weights were averaged into these (checkpoint averaging), when they were. */
  readonly averagedSteps?: readonly number[];
  /** Set on a pruned model (`seq2seq prune`, src/training/prune.ts). */
  readonly pruning?: PruningMeta;
}

/** How a model was pruned: magnitude pruning of each weight matrix and embedding table. */
export interface PruningMeta {
  /** The sparsity asked for, per tensor. */
  readonly target: number;
  /** Zeros among the pruned tensors' values, 0..1. */
  readonly sparsity: number;
  readonly scope: 'per-tensor';
  readonly gradual: boolean;
  /** Minutes of fine-tuning with the masks kept (0: none). */
  readonly fineTuneMinutes: number;
}

/** What a caller gives when saving: the format version and time are added on writing. */
export type ModelMetaInput = Omit<ModelMeta, 'formatVersion' | 'createdAt'>;

/** config.json as written. `config` is checked by src/core/config.ts when the model is built. */
export interface ModelConfigFile {
  readonly formatVersion: number;
  readonly config: Partial<ModelConfig>;
  readonly meta: ModelMeta;
  readonly weightsSha256: string;
  readonly weightsBytes: number;
}

/** A model folder whose description cannot be read; the message says what is wrong and what to do. */
export class ModelFolderError extends Error {
  constructor(problem: string) {
    super(problem);
    this.name = 'ModelFolderError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * The typed meta of a config.json's `meta` value. Lenient, as loading always was: a field of the
 * wrong type is left out (its default applies), except a file name, which must be a string so a
 * bad one is reported (src/modelFolder/sideFiles.ts checks that it stays inside the folder).
 */
export function parseModelMeta(raw: unknown): ModelMeta {
  const m = isRecord(raw) ? raw : {};
  const name = (v: unknown, what: string): string => {
    if (typeof v === 'string') return v;
    throw new ModelFolderError(
      `config.json names a ${what} that is not a file inside the model folder (it is not a plain file name); a model's files must sit beside config.json.`,
    );
  };
  const retrieval = parseRetrieval(m.retrieval, name);
  const decoding = isRecord(m.decoding) ? parseDecoding(m.decoding) : undefined;
  const staleSummary = parseStaleSummary(m.staleSummary);
  const t = m.training;
  const metrics = isRecord(m.metrics)
    ? Object.fromEntries(Object.entries(m.metrics).filter((e): e is [string, number] => typeof e[1] === 'number'))
    : undefined;
  return {
    formatVersion: finite(m.formatVersion) ? m.formatVersion : MODEL_FORMAT_VERSION,
    createdAt: typeof m.createdAt === 'string' ? m.createdAt : '',
    ...(m.tokenizer !== undefined ? { tokenizer: name(m.tokenizer, 'tokenizer') } : {}),
    ...(retrieval ? { retrieval } : {}),
    ...(decoding ? { decoding } : {}),
    ...(staleSummary ? { staleSummary } : {}),
    ...(finite(m.minConfidence) && m.minConfidence >= 0 && m.minConfidence <= 1
      ? { minConfidence: m.minConfidence }
      : {}),
    ...(isRecord(t) && typeof t.corpus === 'string'
      ? {
          training: {
            corpus: t.corpus,
            ...(finite(t.seed) ? { seed: t.seed } : {}),
            ...(finite(t.trainPairs) ? { trainPairs: t.trainPairs } : {}),
            ...(typeof t.corpusFingerprint === 'string' ? { corpusFingerprint: t.corpusFingerprint } : {}),
            ...(isRecord(t.options) ? { options: t.options } : {}),
            ...(isRecord(t.lengthFilter) ? { lengthFilter: t.lengthFilter } : {}),
          },
        }
      : {}),
    ...(metrics ? { metrics } : {}),
    ...(finite(m.step) ? { step: m.step } : {}),
    ...(Array.isArray(m.averagedSteps) && m.averagedSteps.length > 0 && m.averagedSteps.every(finite)
      ? { averagedSteps: m.averagedSteps as number[] }
      : {}),
    ...(isRecord(m.pruning) && finite(m.pruning.sparsity) ? { pruning: m.pruning as unknown as PruningMeta } : {}),
  };
}

function parseRetrieval(r: unknown, name: (v: unknown, what: string) => string): RetrievalMeta | undefined {
  if (!isRecord(r)) return undefined;
  if (r.scope === 'project') {
    return {
      scope: 'project',
      graded: r.graded !== false,
      ...(finite(r.neighbourTokens) ? { neighbourTokens: r.neighbourTokens } : {}),
    };
  }
  if (r.memory === undefined) return undefined;
  return { memory: name(r.memory, 'example memory'), ...(finite(r.entries) ? { entries: r.entries } : {}) };
}

/** The tuned settings a decoder may use: each present, in range ({@link DECODING_LIMITS}.tuned), or left out. */
export function parseDecoding(d: Record<string, unknown>): TunedDecoding {
  const { lengthReward: r, lengthRewardLimit: l, reuseSimilarity: s } = d;
  const { lengthReward: rr, lengthRewardLimit: ll } = DECODING_LIMITS.tuned;
  return {
    ...(finite(r) && r >= rr.min && r <= rr.max ? { lengthReward: r } : {}),
    ...(typeof l === 'number' && l >= ll.min && l <= ll.max ? { lengthRewardLimit: l } : {}),
    ...((typeof s === 'number' && s >= 0 && s <= 1) || s === null ? { reuseSimilarity: s } : {}),
  };
}

/** The stale-summary calibration when every number is there and usable; else undefined. */
export function parseStaleSummary(v: unknown): StaleSummaryMeta | undefined {
  if (!isRecord(v)) return undefined;
  const moments = (x: unknown): { mean: number; sd: number } | undefined =>
    isRecord(x) && finite(x.mean) && finite(x.sd) && x.sd > 0 ? { mean: x.mean, sd: x.sd } : undefined;
  const pmi = moments(v.pmi);
  const overlap = moments(v.overlap);
  const { threshold, precision, recall } = v;
  if (!pmi || !overlap || !finite(threshold) || !finite(precision) || !finite(recall)) return undefined;
  return { pmi, overlap, threshold, precision, recall };
}

/**
 * What is wrong with a config.json's `meta.decoding`, as a sentence, or undefined: a value of the
 * wrong type or out of its range ({@link DECODING_LIMITS}.tuned). Loading refuses such a model
 * rather than decoding with a value that makes every score infinite.
 */
export function decodingMetaProblem(raw: unknown): string | undefined {
  const d = isRecord(raw) && isRecord(raw.decoding) ? raw.decoding : undefined;
  if (!d) return undefined;
  for (const key of ['lengthReward', 'lengthRewardLimit'] as const) {
    const v = d[key];
    const { min, max } = DECODING_LIMITS.tuned[key];
    if (v === undefined || v === null) continue;
    if (!finite(v) || v < min || v > max)
      return `${CONFIG_FILE}'s meta.decoding.${key} is ${typeof v === 'number' ? String(v) : `a ${typeof v}`}, outside ${min} to ${max}; correct or remove it (the decoder's defaults then apply), or re-tune the model`;
  }
  const s = d.reuseSimilarity;
  if (s !== undefined && s !== null && !(finite(s) && s >= 0 && s <= 1))
    return `${CONFIG_FILE}'s meta.decoding.reuseSimilarity is ${typeof s === 'number' ? String(s) : `a ${typeof s}`}, outside 0 to 1 (or null); correct or remove it`;
  return undefined;
}

/** 'project' for a model whose neighbours come from the user's project, 'corpus' for a saved memory. */
export function retrievalScope(meta: ModelMeta | undefined): 'project' | 'corpus' | undefined {
  const r = meta?.retrieval;
  if (!r) return undefined;
  return 'scope' in r ? 'project' : 'corpus';
}

/** The memory file a model's meta names, if it saved one. */
export function memoryFileName(meta: ModelMeta | undefined): string | undefined {
  const r = meta?.retrieval;
  return r && 'memory' in r ? r.memory : undefined;
}

/**
 * A path for a model's provenance: relative to `root` (with `/`) when the file lies inside it, so
 * a model trained in a checkout records where in the repository its corpus was, not the machine's
 * layout; otherwise the absolute path.
 */
export function provenancePath(file: string, root: string = process.cwd()): string {
  const absolute = path.resolve(file);
  const relative = path.relative(path.resolve(root), absolute);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative)
    ? relative.split(path.sep).join('/')
    : absolute;
}

/** The text of config.json for a model: written last into the folder, it marks the folder complete. */
export function configFileText(file: {
  readonly config: ModelConfig;
  readonly meta: ModelMetaInput;
  readonly weightsSha256: string;
  readonly weightsBytes: number;
}): string {
  const meta: ModelMeta = { ...file.meta, formatVersion: MODEL_FORMAT_VERSION, createdAt: new Date().toISOString() };
  const out: ModelConfigFile = {
    formatVersion: MODEL_FORMAT_VERSION,
    config: file.config,
    meta,
    weightsSha256: file.weightsSha256,
    weightsBytes: file.weightsBytes,
  };
  return JSON.stringify(out, null, 2);
}

/** How config.json is read: a plain file (no link, device or pipe) of at most {@link MAX_CONFIG_BYTES}. */
const CONFIG_GUARD: GuardOptions = {
  maxBytes: MAX_CONFIG_BYTES,
  noFollow: true,
  name: CONFIG_FILE,
  advice: 'Re-import or retrain the model.',
};

/**
 * config.json of the model in `dir`, checked: present, JSON, a description of the supported
 * format version. Throws {@link ModelFolderError}, whose message says what to do.
 */
export function readConfigFile(dir: string): ModelConfigFile {
  let raw: unknown;
  try {
    raw = readGuardedJsonSync(path.join(dir, CONFIG_FILE), CONFIG_GUARD);
  } catch (e) {
    if ((e as { problem?: string }).problem === 'missing')
      throw new ModelFolderError(
        `${CONFIG_FILE} is missing. Choose a folder saved by Seq2Seq Studio, or retrain/re-import the model.`,
      );
    throw new ModelFolderError(e instanceof Error ? e.message : String(e));
  }
  if (!isRecord(raw)) throw new ModelFolderError(`${CONFIG_FILE} does not hold a model description.`);
  const decodingProblem = decodingMetaProblem(raw.meta);
  if (decodingProblem) throw new ModelFolderError(`${decodingProblem}.`);
  if (raw.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFolderError(
      `it uses model format version ${JSON.stringify(raw.formatVersion)}, but this version of Seq2Seq Studio reads ` +
        `version ${MODEL_FORMAT_VERSION}. Update the extension or retrain the model.`,
    );
  }
  return {
    formatVersion: MODEL_FORMAT_VERSION,
    config: isRecord(raw.config) ? (raw.config as Partial<ModelConfig>) : {},
    meta: parseModelMeta(raw.meta),
    weightsSha256: typeof raw.weightsSha256 === 'string' ? raw.weightsSha256 : '',
    weightsBytes: finite(raw.weightsBytes) ? raw.weightsBytes : -1,
  };
}

/**
 * What can be read of config.json without checking it (the model list, a folder left by a crash):
 * undefined when it is missing or not JSON; never throws.
 */
export function peekConfigFile(
  dir: string,
):
  { readonly config?: Record<string, unknown>; readonly meta?: ModelMeta; readonly weightsBytes?: number } | undefined {
  let raw: unknown;
  try {
    raw = readGuardedJsonSync(path.join(dir, CONFIG_FILE), CONFIG_GUARD);
  } catch {
    return undefined;
  }
  if (!isRecord(raw)) return undefined;
  let meta: ModelMeta | undefined;
  try {
    meta = isRecord(raw.meta) ? parseModelMeta(raw.meta) : undefined;
  } catch {
    meta = undefined;
  }
  return {
    ...(isRecord(raw.config) ? { config: raw.config } : {}),
    ...(meta ? { meta } : {}),
    ...(finite(raw.weightsBytes) ? { weightsBytes: raw.weightsBytes } : {}),
  };
}

/** True when `dir` has a config.json (saved models write it last). */
export function hasConfigFile(dir: string): boolean {
  return fs.existsSync(path.join(dir, CONFIG_FILE));
}

/**
 * Records decoding settings tuned after training in the model's config.json, replacing the file
 * atomically (temporary file + rename); the weights, and so their checksum, stay as they are.
 */
export function writeDecodingMeta(dir: string, decoding: TunedDecoding): void {
  updateMeta(dir, { decoding: parseDecoding({ ...decoding }) });
}

/** Records the stale-summary check's calibration in `dir`'s config.json (atomically). */
export function writeStaleSummaryMeta(dir: string, calibration: StaleSummaryMeta): void {
  updateMeta(dir, { staleSummary: calibration });
}

/** Records a parameter-description model's confidence threshold in `dir`'s config.json (atomically). */
export function writeMinConfidence(dir: string, minConfidence: number): void {
  updateMeta(dir, { minConfidence });
}

/** Sets fields of the meta in `dir`'s config.json, the rest kept as written (temporary file, then rename). */
function updateMeta(dir: string, fields: Partial<ModelMetaInput>): void {
  const file = path.join(dir, CONFIG_FILE);
  const raw = readGuardedJsonSync(file, CONFIG_GUARD) as Record<string, unknown>;
  const meta = isRecord(raw.meta) ? raw.meta : {};
  const updated = { ...raw, meta: { ...meta, ...fields } };
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(updated, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}
