/**
 * The native training engine (native/, PyTorch) as this side sees it: finding a Python that has
 * PyTorch and the package, handing it a run (the tokenized examples, the run's settings, the
 * starting weights, a model folder to take the tokenizer and meta from), running it, and bringing
 * its weights back as a model folder.
 *
 * This side keeps owning tokenization, neighbours, the model folder and evaluation; the native
 * engine reads the files written here and writes interchange files (src/modelFolder/interchange.ts).
 * Nothing in the extension needs Python: only training at scale does.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

import { loadModel, saveModel } from '../modelFolder/checkpoint';
import { InterchangeError, modelFromInterchange, writeInterchange } from '../modelFolder/interchange';
import type { Seq2SeqModel } from '../core/model';
import type { Example } from '../mining/dataset';
import { REHEARSAL_FILE, TOKENIZER_FILE, memoryFileName, readConfigFile, type ModelMeta } from '../modelFolder/format';
import {
  MAX_MEMORY_BYTES,
  MAX_TOKENIZER_BYTES,
  loadTokenizerFile,
  modelFilePath,
  readModelFile,
} from '../modelFolder/sideFiles';
import { encodeExamples } from './examplesCache';
import type { TrainerOptions } from './trainingDefaults';

/** No usable native engine; the message says how to get one. */
export class NativeEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NativeEngineError';
  }
}

export interface NativeEngine {
  /** The Python interpreter that imports torch. */
  readonly python: string;
  /** The folder holding `seq2seq_native/` (put on PYTHONPATH). */
  readonly packageRoot: string;
  /** torch.__version__ */
  readonly torchVersion: string;
}

/** The folder with `seq2seq_native/__main__.py`, searched upwards from this file (out/ or dist/). */
export function nativePackageRoot(from: string = __dirname): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'native');
    if (fs.existsSync(path.join(candidate, 'seq2seq_native', '__main__.py'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Interpreters tried in order: `SEQ2SEQ_PYTHON` (or `explicit`), then `python3` on the PATH, then
 * Debian's `/usr/bin/python3` (where `apt-get install python3-torch` puts PyTorch even when
 * another python3 comes first on the PATH).
 */
export function findNativeEngine(explicit: string | undefined = process.env.SEQ2SEQ_PYTHON): NativeEngine {
  const packageRoot = nativePackageRoot();
  if (!packageRoot)
    throw new NativeEngineError(
      'the native engine (native/seq2seq_native) is not in this installation; run from a clone of the repository.',
    );
  const candidates = explicit ? [explicit] : ['python3', '/usr/bin/python3'];
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch, numpy; print(torch.__version__)'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status === 0) return { python, packageRoot, torchVersion: r.stdout.trim() };
    tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
  }
  throw new NativeEngineError(
    `no Python with PyTorch and numpy found (${tried.join('; ')}). Install them (Debian: apt-get install python3-torch ` +
      'python3-numpy libopenblas0-pthread; elsewhere: pip install torch numpy), or set SEQ2SEQ_PYTHON to an interpreter that has them.',
  );
}

/** Runs `python -m seq2seq_native <args>`, its output passed through; resolves to the exit code. */
export function runNative(engine: NativeEngine, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(engine.python, ['-m', 'seq2seq_native', ...args], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, ...env, PYTHONPATH: engine.packageRoot },
    });
    // Ctrl-C, SIGTERM and SIGHUP go on to the engine, which saves last/ and stops (this process
    // waits for it; a terminal's Ctrl-C may reach it twice, which it counts once).
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    for (const s of signals) process.on(s, forward);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      for (const s of signals) process.removeListener(s, forward);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** The files of a run handed to the native engine, all inside one folder. */
export interface HandOffFiles {
  readonly dir: string;
  /** Training examples (examples.bin, version 1). */
  readonly train: string;
  /** Validation examples (same layout). */
  readonly valid: string;
  /**
   * The same validation examples without neighbours (a run with neighbours; runs prepared before
   * it existed lack it): the native engine reports their loss beside the other.
   */
  readonly validBare: string;
  /** `{model, training}`: the resolved model configuration and training settings. */
  readonly run: string;
  /** The starting weights (interchange). */
  readonly start: string;
  /** A model folder of the starting weights: its tokenizer and meta go with the trained weights. */
  readonly template: string;
  /** Where the native engine writes best/, last/ and metrics.jsonl. */
  readonly runDir: string;
}

export function handOffFiles(dir: string): HandOffFiles {
  return {
    dir,
    train: path.join(dir, 'train.bin'),
    valid: path.join(dir, 'valid.bin'),
    validBare: path.join(dir, 'valid-bare.bin'),
    run: path.join(dir, 'run.json'),
    start: path.join(dir, 'start.safetensors'),
    template: path.join(dir, 'template'),
    runDir: path.join(dir, 'run'),
  };
}

/** The training settings the native engine reads (the trainer's, without what only this side uses). */
export function nativeTrainingSettings(options: TrainerOptions, batchSize: number): Record<string, unknown> {
  const {
    outDir: _o,
    extraFiles: _e,
    meta: _m,
    threads: _t,
    timeBudgetMs: _b,
    clock: _c,
    objective,
    mrt: _r,
    ...rest
  } = options;
  if (objective === 'mrt')
    throw new Error(
      'minimum-risk training (objective mrt) runs on the built-in engine only; train with --engine tfjs.',
    );
  return { ...rest, batchSize };
}

function writeAtomically(file: string, contents: string | Buffer): void {
  fs.writeFileSync(`${file}.tmp`, contents);
  fs.renameSync(`${file}.tmp`, file);
}

/** An examples file (native/README.md), written atomically. */
export function writeExamplesFile(file: string, examples: readonly Example[]): void {
  writeAtomically(file, encodeExamples(examples));
}

/** Writes everything the native engine needs for a new run from `model` and `examples`. */
export async function writeHandOff(
  files: HandOffFiles,
  model: Seq2SeqModel,
  examples: {
    readonly train: readonly Example[];
    readonly valid: readonly Example[];
    readonly validBare?: readonly Example[];
  },
  options: TrainerOptions,
  batchSize: number,
  step = 0,
): Promise<void> {
  fs.mkdirSync(files.dir, { recursive: true });
  writeExamplesFile(files.train, examples.train);
  writeExamplesFile(files.valid, examples.valid);
  if (examples.validBare) writeExamplesFile(files.validBare, examples.validBare);
  else fs.rmSync(files.validBare, { force: true });
  const run = { model: model.config, training: nativeTrainingSettings(options, batchSize) };
  writeAtomically(files.run, `${JSON.stringify(run, null, 2)}\n`);
  await writeInterchange(files.start, model, step);
  await saveModel(
    model,
    files.template,
    { ...(options.meta ?? {}), step },
    { extraFiles: { ...(options.extraFiles ?? {}) } },
  );
}

/**
 * The side files a model folder made from `like`'s weights keeps: its tokenizer, its memory (when
 * it has one) and its rehearsal sample; read with the size checks every model file gets.
 */
export function sideFiles(like: string): Record<string, string> {
  const meta = readConfigFile(like).meta;
  const out: Record<string, string> = {};
  const tokenizer = meta.tokenizer ?? TOKENIZER_FILE;
  out[tokenizer] = readModelFile(modelFilePath(like, tokenizer, 'tokenizer'), MAX_TOKENIZER_BYTES);
  const memory = memoryFileName(meta);
  if (memory) out[memory] = readModelFile(modelFilePath(like, memory, 'example memory'), MAX_MEMORY_BYTES);
  const rehearsal = path.join(like, REHEARSAL_FILE);
  if (fs.existsSync(rehearsal)) out[REHEARSAL_FILE] = readModelFile(rehearsal, MAX_MEMORY_BYTES);
  return out;
}

/**
 * A model folder at `to` with the weights of the interchange file `from` and the tokenizer,
 * retrieval and decoding settings of the model folder `like` (whose shape they must have).
 * Written atomically; `float16` halves the weights as the bundled model ships them.
 */
export async function interchangeToFolder(
  from: string,
  to: string,
  like: string,
  float16: boolean,
  extraMeta: Pick<ModelMeta, 'averagedSteps'> = {},
): Promise<void> {
  const { model, step } = modelFromInterchange(from);
  try {
    const likeConfig = readConfigFile(like);
    const mismatch = (Object.keys(model.config) as (keyof typeof model.config)[]).filter(
      (k) => k in likeConfig.config && likeConfig.config[k] !== model.config[k] && k !== 'dropout',
    );
    if (mismatch.length) {
      throw new InterchangeError(
        from,
        `its model differs from ${like}'s in ${mismatch.join(', ')}; pass --like the model folder the run started from.`,
      );
    }
    const files = sideFiles(like);
    const tokenizer = loadTokenizerFile(like, likeConfig.meta.tokenizer ?? TOKENIZER_FILE);
    if (tokenizer.vocabSize > model.config.srcVocabSize) {
      throw new InterchangeError(
        from,
        `${like}'s tokenizer has more tokens than the model; it is not this model's tokenizer.`,
      );
    }
    const { formatVersion: _f, createdAt: _c, metrics: _m, averagedSteps: _a, ...meta } = likeConfig.meta;
    await saveModel(
      model,
      to,
      { ...meta, ...(step !== undefined ? { step } : {}), ...extraMeta },
      { extraFiles: files, float16 },
    );
  } finally {
    model.dispose();
  }
}

/** An interchange file at `to` with the weights of the model folder `from` (to train further natively). */
export async function folderToInterchange(from: string, to: string): Promise<void> {
  const { model, meta } = await loadModel(from);
  try {
    await writeInterchange(to, model, meta.step);
  } finally {
    model.dispose();
  }
}
