/**
 * CLI commands over models: `train` (progress bar on stderr, JSONL metrics log, Ctrl-C, SIGTERM
 * or SIGHUP saves the last checkpoint and exits, --resume, --init to fine-tune; one training per
 * run folder, src/modelFolder/runLock.ts), `eval` (both BLEUs, exact match,
 * per-language breakdown) and `translate` (stdin or a file's line range; beam and n-best).
 * The progress bar is a few lines of ANSI on stderr rather than a dependency.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Command } from 'commander';

import { selectBackend } from '../core/backend';
import { INIT_SCHEMES } from '../core/config';
import { DECODING_DEFAULTS, type Decoding } from '../core/decoding';
import { DIRECTIONS, type Direction } from '../core/specialTokens';
import { readCorpus, writeCorpus, type CorpusRecord } from '../mining/dataset';
import { DEFAULT_MAX_FILE_BYTES, skipMessage } from '../mining/filters';
import { decodeText, readStreamCapped } from '../files/guardedRead';
import { readSourceFile } from '../mining/walk';
import { lineCommentText } from '../docComments/escape';
import { ModelRunner } from '../inference/modelRunner';
import { prepareTrainingBackend } from '../training/backendSetup';
import { evaluateModel } from '../training/evaluation';
import { bundledModelDir } from './documentCommand';
import { nativeTrainCommand, type NativeTrainFlags } from './nativeCommands';
import type { FinishedEvent, TrainerEvent } from '../training/events';
import { guardFineTune } from '../training/guard';
import {
  evalExamples,
  prepareTrainJob,
  recoverRunFolder,
  type ResolvedTrainOptions,
  resolveModelDir,
} from '../training/job';
import type { Trainer } from '../training/trainer';
import { acquireRunLock, RUN_LOCK_FILE } from '../modelFolder/runLock';
import { checkOutputFolder } from './outputPaths';
import { terminalText } from './terminalText';
import { readTrainConfig, type TrainConfigFile } from '../training/trainConfigFile';
import { MAX_MRT_CANDIDATES, MRT_METRICS, TRAINING_OBJECTIVES } from '../training/mrt';
import { readSearchSpace, successiveHalving, trialTable } from '../training/tune';
import {
  addDecodingFlags,
  backendOption,
  beamOption,
  capThreads,
  choiceOption,
  decodingChoice,
  integerOption,
  type DecodingFlags,
  lineRangeOption,
  nBestOption,
  optional,
  positiveNumberOption,
  wholeNumberOption,
} from './options';

async function startBackend(setting: string): Promise<void> {
  const choice = await selectBackend({ setting: backendOption(setting) });
  process.stderr.write(`${choice.reason}\n`);
  prepareTrainingBackend();
}

const fmtMs = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** One-line progress bar text for a step event. */
export function progressLine(e: Extract<TrainerEvent, { type: 'step' }>, width = 24): string {
  const filled = e.progress === null ? 0 : Math.round(e.progress * width);
  const bar = e.progress === null ? '' : `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] `;
  return (
    `${bar}step ${e.step} ep ${e.epoch} loss ${e.loss.toFixed(3)} ppl ${e.perplexity.toFixed(1)} acc ${(100 * e.tokenAccuracy).toFixed(1)}% ` +
    `lr ${e.learningRate.toExponential(1)} ${Math.round(e.tokensPerSecond)} tok/s ${fmtMs(e.elapsedMs)}` +
    (e.etaMs === null ? '' : ` eta ${fmtMs(e.etaMs)}`)
  );
}

/** `--model`, or the bundled default model when it is not given. */
function modelDirOption(model: string | undefined): string {
  if (model) return resolveModelDir(model);
  const bundled = bundledModelDir();
  if (!bundled) throw new Error('no bundled default model found; pass --model <dir>.');
  return bundled;
}

const parseDirection = (d: string): Direction => choiceOption('--direction', d, DIRECTIONS);

/**
 * The text `translate` works on, read with `document`'s file rules: from `--file` (a regular
 * source file: no device, pipe, binary, invalid UTF-8, minified or secret file, at most
 * DEFAULT_MAX_FILE_BYTES) or from stdin, of which no more than that is read (a model reads a few
 * hundred tokens of one function; 50 MB on stdin would cost a minute and gigabytes).
 */
export async function translateInput(file: string | undefined, stdin: NodeJS.ReadableStream): Promise<string> {
  const max = DEFAULT_MAX_FILE_BYTES;
  if (file !== undefined) {
    if (!fs.existsSync(file)) throw new Error(`${file}: no such file`);
    const read = await readSourceFile(file, file, { ignoreFolderNames: true });
    if ('reason' in read) throw new Error(`${skipMessage(file, read.reason)} translate reads a source file.`);
    return read.content;
  }
  const { bytes, truncated } = await readStreamCapped(stdin, max);
  if (truncated)
    throw new Error(
      `stdin holds more than ${max / 1024} KiB; translate reads one function or comment: pass that piece (or --file with --lines).`,
    );
  if (bytes.subarray(0, 8000).includes(0))
    throw new Error('stdin holds binary data (NUL bytes); translate reads source text.');
  try {
    return decodeText(bytes, 'stdin', { maxBytes: max });
  } catch {
    throw new Error('stdin is not UTF-8 text; pipe the source as UTF-8.');
  }
}

/** `{ [key]: parsed }` when the flag was given, else `{}`. */
function optionalField<K extends string, T>(
  key: K,
  value: string | undefined,
  parse: (v: string) => T,
): { [P in K]?: T } {
  return value === undefined ? {} : ({ [key]: parse(value) } as { [P in K]?: T });
}

/** The config file with `--max-steps`, `--minutes` and `--threads` laid over its `training` section. */
export function withTrainingFlags(
  config: TrainConfigFile,
  flags: {
    readonly maxSteps?: string;
    readonly threads?: string;
    readonly minutes?: string;
    readonly maxCodeTokens?: string;
    readonly maxSummaryWords?: string;
    readonly objective?: string;
    readonly mrtCandidates?: string;
    readonly mrtSharpness?: string;
    readonly mrtMetric?: string;
    readonly mrtWithoutReference?: boolean;
    readonly weightInit?: string;
    readonly forceThreads?: boolean;
  },
  cores: number = availableCores(),
): TrainConfigFile {
  const training = { ...config.training };
  const maxCodeTokens = optional(flags.maxCodeTokens, (v) => wholeNumberOption('--max-code-tokens', v));
  const maxSummaryWords = optional(flags.maxSummaryWords, (v) => wholeNumberOption('--max-summary-words', v));
  if (maxCodeTokens !== undefined) config = { ...config, maxCodeTokens };
  if (maxSummaryWords !== undefined) config = { ...config, maxSummaryWords };
  const weightInit = optional(flags.weightInit, (v) => choiceOption('--weight-init', v, INIT_SCHEMES));
  if (weightInit !== undefined) config = { ...config, model: { ...config.model, init: weightInit } };
  const objective = optional(flags.objective, (v) => choiceOption('--objective', v, TRAINING_OBJECTIVES));
  if (objective !== undefined) training.objective = objective;
  const mrt = {
    ...training.mrt,
    ...optionalField('candidates', flags.mrtCandidates, (v) =>
      wholeNumberOption('--mrt-candidates', v, 1, MAX_MRT_CANDIDATES),
    ),
    ...optionalField('sharpness', flags.mrtSharpness, (v) => positiveNumberOption('--mrt-sharpness', v)),
    ...optionalField('metric', flags.mrtMetric, (v) => choiceOption('--mrt-metric', v, MRT_METRICS)),
    ...(flags.mrtWithoutReference ? { includeReference: false } : {}),
  };
  if (Object.keys(mrt).length > 0) {
    if ((training.objective ?? 'mle') !== 'mrt')
      throw new Error(
        'the --mrt-* options set minimum-risk training; add --objective mrt (or training.objective "mrt").',
      );
    training.mrt = mrt;
  }
  const maxSteps = optional(flags.maxSteps, (v) => wholeNumberOption('--max-steps', v));
  const minutes = optional(flags.minutes, (v) => positiveNumberOption('--minutes', v));
  const threads = optional(flags.threads, (v) => wholeNumberOption('--threads', v));
  if (maxSteps !== undefined) training.maxSteps = maxSteps;
  if (minutes !== undefined) training.timeBudgetMs = minutes * 60_000;
  if (threads !== undefined) training.threads = threads;
  // More threads than cores only cost memory (a model replica each): capped, unless forced.
  const capped = capThreads(training.threads, {
    cores,
    force: flags.forceThreads === true,
    notice: (m) => process.stderr.write(`${m}\n`),
  });
  if (capped !== undefined) training.threads = capped;
  return { ...config, training };
}

/** The cores this process may use. */
function availableCores(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

/** `train`, `tune`, `eval` and `translate`. */
export function registerTrainCommands(program: Command): void {
  registerTrain(program);
  registerTune(program);
  registerEval(program);
  registerTranslate(program);
}

interface TrainOptions extends NativeTrainFlags {
  config?: string;
  forceThreads?: boolean;
  backend: string;
  engine: string;
}

const ENGINES = ['tfjs', 'native'] as const;

function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train (or fine-tune, or resume) a model on a JSONL corpus; best/ and last/ go to --out')
    .requiredOption('--corpus <file>', 'JSONL corpus from `seq2seq mine` (with --valid and --test: the training split)')
    .requiredOption('--out <dir>', 'run folder (best/, last/, metrics.jsonl, test.jsonl)')
    .option('--valid <file>', 'validation split made beforehand, e.g. by project (npm run corpus:build); needs --test')
    .option('--test <file>', 'test split made beforehand; needs --valid')
    .option('--config <file>', 'JSON: {model, training, batchSize, vocabSize, seed, ...}')
    .option('--resume', 'continue from <out>/last with its optimizer state', false)
    .option('--init <dir>', 'fine-tune this model (its tokenizer is reused)')
    .option('--max-steps <n>', 'stop after n optimizer steps')
    .option('--max-code-tokens <n>', 'drop (not truncate) training pairs whose code has more subword tokens')
    .option('--max-summary-words <n>', 'drop training pairs whose summary has more words')
    .option(
      '--weight-init <scheme>',
      "a new model's initialisation (the config's model.init): glorot-uniform (default) | orthogonal | uniform-0.1 | scaled-normal",
    )
    .option('--objective <name>', 'mle (cross-entropy, the default) | mrt (minimum-risk training; usually with --init)')
    .option('--mrt-candidates <n>', 'mrt: candidates drawn per source with beam search (default 4)')
    .option('--mrt-sharpness <a>', 'mrt: alpha of the distribution over the candidates (default 1)')
    .option('--mrt-metric <name>', 'mrt: the risk is 1 - sentence-bleu (default) | chrf')
    .option('--mrt-without-reference', 'mrt: do not add the reference to each candidate set')
    .option(
      '--threads <n>',
      'data-parallel training threads (each with a model replica); default: the config, or 1; at most the cores',
    )
    .option('--force-threads', 'use --threads even when it is more than the cores of this machine')
    .option(
      '--minutes <n>',
      'time budget: stop after n minutes of training in total, counting earlier runs of a --resume (the best checkpoint is kept)',
    )
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .option(
      '--engine <name>',
      'tfjs (built in) | native (PyTorch: every core, a GPU, several machines; see "Training at scale")',
      'tfjs',
    )
    .option('--nproc <n>', 'native: processes on this machine (one per core or per GPU)')
    .option(
      '--clock <name>',
      "native: what --minutes and the run's time count: wall (default) | cpu (each process's CPU time, for a fair budget on a shared machine)",
    )
    .option('--device <name>', 'native: cpu | cuda')
    .option('--nnodes <n>', 'native: machines taking part (the same command on each)')
    .option('--node-rank <n>', "native: this machine's rank, 0 to nnodes-1")
    .option('--master-addr <host>', 'native: the address of machine 0, which every machine reaches')
    .option('--master-port <port>', 'native: a free port on machine 0')
    .option(
      '--prepare-only',
      "native: write the run's files and print the native command (for torchrun) instead of running it",
    )
    .action((opts: TrainOptions) => trainCommand(opts));
}

/**
 * The `train` listener: every event as a JSON line in `log`, and on stderr a progress bar
 * (redrawn on a terminal, every 50 steps otherwise), evaluations and the end of the run.
 */
function trainProgressListener(log: number): (e: TrainerEvent) => void {
  const tty = process.stderr.isTTY === true;
  let lastDraw = 0;
  return (e) => {
    fs.writeSync(log, `${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
    if (e.type === 'step') {
      const now = Date.now();
      if (tty && now - lastDraw > 200) {
        process.stderr.write(`\r\x1b[2K${progressLine(e)}`);
        lastDraw = now;
      } else if (!tty && e.step % 50 === 0) process.stderr.write(`${progressLine(e)}\n`);
    } else if (e.type === 'evaluation') {
      process.stderr.write(
        `${tty ? '\r\x1b[2K' : ''}eval @${e.step}: loss ${e.loss.toFixed(3)} ppl ${e.perplexity.toFixed(1)} BLEU ${e.bleu.toFixed(2)} ` +
          `sentence-BLEU ${e.sentenceBleu.toFixed(2)} EM ${e.exactMatch.toFixed(1)}%${e.improved ? ' (best)' : ''}\n`,
      );
      for (const s of e.samples.slice(0, 2))
        process.stderr.write(
          `  ref:  ${terminalText(s.reference.slice(0, 100))}\n  pred: ${terminalText(s.prediction.slice(0, 100))}\n`,
        );
    } else if (e.type === 'finished') {
      process.stderr.write(
        `${tty ? '\r\x1b[2K' : ''}finished (${e.reason === 'time-budget' ? 'stopped by its time budget' : e.reason}) at step ${e.step} after ${fmtMs(e.elapsedMs)}; best ${e.bestDir ?? 'none'}\n`,
      );
    }
  };
}

/** What `train` writes in its run folder (an input there would be overwritten). */
const TRAIN_WRITES = new Set([
  'best',
  'last',
  'native',
  'metrics.jsonl',
  'test.jsonl',
  'guard.json',
  'options.json',
  RUN_LOCK_FILE,
]);

/** The run folder's record of what the latest `train` in it resolved (also in each saved model's meta). */
const OPTIONS_FILE = 'options.json';

/**
 * The resolved options as `train` prints them once at the start: one line per section, `key value`
 * pairs, nested values as JSON.
 */
export function resolvedOptionsText(resolved: ResolvedTrainOptions): string {
  const pairs = (o: Readonly<Record<string, unknown>>): string =>
    Object.entries(o)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join(', ');
  const { timeBudgetMs, ...training } = resolved.training;
  return (
    `options (${resolved.origin} run on ${resolved.corpus}):\n` +
    `  model: ${pairs(resolved.model)}\n` +
    `  training: ${pairs(training)}` +
    (timeBudgetMs !== undefined ? `, time budget ${timeBudgetMs / 60_000} min in total across resumes` : '') +
    `\n  data: ${pairs(resolved.data)}\n`
  );
}

function writeJsonAtomically(file: string, value: unknown): void {
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
}

/** The exit status of a second stop signal (128 + its number). */
const STOP_SIGNALS = { SIGINT: 130, SIGHUP: 129, SIGTERM: 143 } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * Ctrl-C (SIGINT), SIGTERM (`kill`, a service manager, a container's stop) and SIGHUP (a closed
 * terminal) stop a training alike: `stop` is called once (it saves the last checkpoint), a second
 * signal exits at once. Returns the function that removes the handlers.
 */
function onStopSignals(stop: (signal: StopSignal) => void): () => void {
  let stopping = false;
  const handler = (signal: StopSignal): void => {
    if (stopping) process.exit(STOP_SIGNALS[signal]);
    stopping = true;
    stop(signal);
  };
  const signals = Object.keys(STOP_SIGNALS) as StopSignal[];
  for (const s of signals) process.on(s, handler);
  return () => signals.forEach((s) => process.removeListener(s, handler));
}

async function trainCommand(opts: TrainOptions): Promise<void> {
  // Options first, so that a typo fails before the backend loads.
  const config = withTrainingFlags(opts.config ? readTrainConfig(opts.config) : {}, opts);
  const engine = choiceOption('--engine', opts.engine, ENGINES);
  const inputs = (
    [
      ['--corpus', opts.corpus],
      ['--valid', opts.valid],
      ['--test', opts.test],
      ['--config', opts.config],
      ['--init', opts.init],
    ] as const
  ).flatMap(([flag, p]) => (p === undefined ? [] : [{ flag, path: p }]));
  checkOutputFolder('--out', opts.out, inputs, (name) => TRAIN_WRITES.has(name));
  if (engine === 'native') {
    // Every machine of a run across machines runs this command; the first one owns the folder.
    const lock =
      opts.nodeRank !== undefined && opts.nodeRank !== '0'
        ? undefined
        : acquireRunLock(opts.out, 'seq2seq train --engine native');
    try {
      if (lock) recoverRunFolder(opts.out);
      await startBackend(opts.backend);
      return await nativeTrainCommand(opts, config);
    } finally {
      lock?.release();
    }
  }
  const nativeOnly = (
    ['nproc', 'clock', 'device', 'nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'prepareOnly'] as const
  ).filter((k) => opts[k] !== undefined);
  if (nativeOnly.length)
    throw new Error(`--${nativeOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --engine native.`);
  const lock = acquireRunLock(opts.out, 'seq2seq train');
  try {
    await startBackend(opts.backend);
    await trainLocked(opts, config);
  } finally {
    lock.release();
  }
}

/** `train` on the built-in engine, in a run folder this process holds the lock of. */
async function trainLocked(opts: TrainOptions, config: TrainConfigFile): Promise<void> {
  // Until the trainer exists a stop signal has nothing to save: it exits (the lock goes with it).
  let trainer: Trainer | undefined;
  const removeSignals = onStopSignals((signal) => {
    if (!trainer) process.exit(STOP_SIGNALS[signal]);
    process.stderr.write(
      `\nstopping${signal === 'SIGINT' ? '' : ` on ${signal}`}: saving the last checkpoint (Ctrl-C again to abort)\n`,
    );
    trainer.cancel();
  });
  try {
    await trainAndGuard(opts, config, (t) => (trainer = t));
  } finally {
    removeSignals();
  }
}

async function trainAndGuard(
  opts: TrainOptions,
  config: TrainConfigFile,
  started: (trainer: Trainer) => void,
): Promise<void> {
  const log = fs.openSync(path.join(opts.out, 'metrics.jsonl'), 'a');
  const { trainer, summary, test, documented, resolved } = await prepareTrainJob(
    {
      corpus: opts.corpus,
      ...(opts.valid !== undefined ? { validCorpus: opts.valid } : {}),
      ...(opts.test !== undefined ? { testCorpus: opts.test } : {}),
      outDir: opts.out,
      config,
      resume: opts.resume,
      ...(opts.init ? { initModel: opts.init } : {}),
      ownsOutDir: true,
    },
    trainProgressListener(log),
  );
  // The held-out test split (by file), for `seq2seq eval --corpus <out>/test.jsonl`.
  if (test.length > 0) writeCorpus(path.join(opts.out, 'test.jsonl'), test);
  process.stderr.write(
    `${summary.origin} run: ${summary.trainPairs} train / ${summary.validPairs} valid / ${summary.testPairs} test pairs, ` +
      `${summary.trainBatches} batches per epoch, vocab ${summary.vocabSize}, ${summary.parameters} parameters, from step ${summary.startStep}, ` +
      `${summary.threads} training thread${summary.threads === 1 ? '' : 's'}\n`,
  );
  if (summary.corpusWarning) process.stderr.write(`warning: ${summary.corpusWarning}\n`);
  process.stderr.write(resolvedOptionsText(resolved));
  writeJsonAtomically(path.join(opts.out, OPTIONS_FILE), resolved);
  if (summary.dropped)
    process.stderr.write(
      `dropped ${summary.dropped.longCode} training pairs with code over ${config.maxCodeTokens ?? '-'} tokens and ` +
        `${summary.dropped.longSummary} with summaries over ${config.maxSummaryWords ?? '-'} words\n`,
    );
  started(trainer);
  let finished: FinishedEvent;
  try {
    finished = await trainer.run();
  } finally {
    fs.closeSync(log);
    trainer.dispose();
    trainer.model.dispose();
  }
  if (opts.init) await guardRun(opts.init, finished.bestDir ?? path.join(opts.out, 'last'), test, documented, opts.out);
}

/** The guard: the fine-tuned model against the one it started from, on the held-out split. */
async function guardRun(
  init: string,
  tuned: string,
  test: readonly CorpusRecord[],
  documented: readonly CorpusRecord[],
  out: string,
): Promise<void> {
  process.stderr.write(`scoring the fine-tuned and the base model on ${test.length} held-out pairs\n`);
  const guard = await guardFineTune(resolveModelDir(init), tuned, test, documented, 'the base model');
  const file = path.join(out, 'guard.json');
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(guard, null, 2)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  process.stdout.write(`${guard.message}\n`);
}

interface TuneOptions {
  corpus: string;
  out: string;
  config?: string;
  minutes: string;
  steps: string;
  maxTrials: string;
  space?: string;
  seed?: string;
  eta: string;
  threads?: string;
  forceThreads?: boolean;
  backend: string;
}

function registerTune(program: Command): void {
  program
    .command('tune')
    .description(
      'successive halving over a search space of config keys (default: learning rate, dropout, hidden size, attention) within a time budget',
    )
    .requiredOption('--corpus <file>', 'JSONL corpus')
    .requiredOption('--out <dir>', 'folder for the trials (trials.json)')
    .option('--config <file>', 'base config (as for train)')
    .option('--minutes <n>', 'time budget', '10')
    .option(
      '--space <file>',
      'JSON search space: {"model.hiddenDim": {"values": [64, 128]}, "training.optimizer.learningRate": {"min": 1e-4, "max": 1e-2, "log": true}}',
    )
    .option('--steps <n>', 'optimizer steps of the first rung (each later rung trains eta times as long)', '200')
    .option('--max-trials <n>', 'configurations drawn from the space', '9')
    .option('--eta <n>', 'each rung keeps the best 1/eta of the trials', '3')
    .option('--seed <n>', 'seed of the draws and of each trial (default: a new one, printed, to repeat the search)')
    .option('--threads <n>', 'data-parallel training threads per trial; default: the config, or 1; at most the cores')
    .option('--force-threads', 'use --threads even when it is more than the cores of this machine')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action(async (opts: TuneOptions) => {
      const base = withTrainingFlags(opts.config ? readTrainConfig(opts.config) : {}, opts);
      const minutes = positiveNumberOption('--minutes', opts.minutes);
      const stepsPerTrial = wholeNumberOption('--steps', opts.steps);
      const maxTrials = wholeNumberOption('--max-trials', opts.maxTrials);
      const inputs = [
        { flag: '--corpus', path: opts.corpus },
        ...(opts.config ? [{ flag: '--config', path: opts.config }] : []),
      ];
      checkOutputFolder(
        '--out',
        opts.out,
        inputs,
        (name) => /^trial-\d+$|^trials\.json$|^best-config\.json$/.test(name) || name === RUN_LOCK_FILE,
      );
      const lock = acquireRunLock(opts.out, 'seq2seq tune');
      try {
        await tuneLocked(opts, base, minutes, stepsPerTrial, maxTrials);
      } finally {
        lock.release();
      }
    });
}

async function tuneLocked(
  opts: TuneOptions,
  base: TrainConfigFile,
  minutes: number,
  stepsPerTrial: number,
  maxTrials: number,
): Promise<void> {
  const space = opts.space ? readSearchSpace(opts.space) : undefined;
  const eta = wholeNumberOption('--eta', opts.eta, 2, 16);
  const seed = optional(opts.seed, (v) => integerOption('--seed', v)) ?? Math.floor(Math.random() * 2 ** 31);
  await startBackend(opts.backend);
  process.stderr.write(`tune: seed ${seed} (--seed ${seed} repeats these trials)\n`);
  const result = await successiveHalving({
    corpus: opts.corpus,
    outDir: opts.out,
    base,
    ...(space ? { space } : {}),
    budgetMs: minutes * 60000,
    stepsPerTrial,
    trials: maxTrials,
    eta,
    seed,
    onTrial: (t) =>
      process.stderr.write(
        `trial ${t.index} rung ${t.rung} (${t.steps} steps): score ${t.score ?? '-'} in ${t.seconds.toFixed(1)} s\n`,
      ),
  });
  process.stdout.write(`${trialTable(result.trials)}\n`);
  if (result.bestConfig) process.stderr.write(`best config: ${path.join(opts.out, 'best-config.json')}\n`);
}

interface EvalOptions extends DecodingFlags {
  model?: string;
  nbest: string;
  corpus: string;
  direction: string;
  beam: string;
  limit: string;
  json: boolean;
  backend: string;
}

function registerEval(program: Command): void {
  addDecodingFlags(program.command('eval'))
    .description('score a model on a JSONL corpus: corpus BLEU-4, smoothed sentence BLEU-4, exact match, per language')
    .option('--model <dir>', 'model folder (or a run folder: its best/); default: the bundled default model')
    .requiredOption('--corpus <file>', 'JSONL corpus to score on')
    .option('--direction <d>', 'code2doc | doc2code', 'code2doc')
    .option('--beam <n>', 'beam size (1 = greedy)', '1')
    .option('--nbest <n>', 'also score the best of n candidates per pair (oracle exact match and sentence BLEU)', '1')
    .option('--limit <n>', 'most pairs decoded', '1000')
    .option('--json', 'print the result as JSON', false)
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action((opts: EvalOptions) => evalCommand(opts));
}

async function evalCommand(opts: EvalOptions): Promise<void> {
  const direction = parseDirection(opts.direction);
  const beamSize = beamOption(opts.beam);
  const nBest = nBestOption(opts.nbest, beamSize);
  const { maxLength, ...scoring } = decodingChoice(opts);
  const limit = wholeNumberOption('--limit', opts.limit);
  await startBackend(opts.backend);
  const dir = modelDirOption(opts.model);
  // The runner brings the tokenizer and, for a retrieval-augmented model, its example memory.
  const runner = await ModelRunner.load(dir);
  const { model, tokenizer, memory } = runner;
  try {
    const records = await readCorpus(opts.corpus);
    // A neighbour from the pair's own file would be its own summary when the memory holds it.
    const prefix = memory ? (r: CorpusRecord) => memory.prefix(r.code, r.path) : undefined;
    const examples = evalExamples(records, tokenizer, model.config, [direction], prefix).slice(0, limit);
    const r = evaluateModel(model, [], examples, (ids) => tokenizer.decode(ids).trim(), {
      limit: examples.length,
      beamSize,
      nBest,
      scoring,
      ...(maxLength !== undefined ? { maxLength: Math.min(maxLength, model.config.maxTgtLen) } : {}),
    });
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ bleu: r.bleu, sentenceBleu: r.sentenceBleu, exactMatch: r.exactMatch, decoded: r.decoded, byGroup: r.byGroup, ...(r.oracle ? { oracle: r.oracle } : {}) })}\n`,
      );
      return;
    }
    process.stdout.write(
      `pairs ${r.decoded}\ncorpus BLEU-4 ${r.bleu.toFixed(2)}\nsentence BLEU-4 (CodeXGLUE) ${r.sentenceBleu.toFixed(2)}\nexact match ${r.exactMatch.toFixed(2)}%\n`,
    );
    if (r.oracle)
      process.stdout.write(
        `best of ${r.oracle.nBest}: exact match ${r.oracle.exactMatch.toFixed(2)}%, sentence BLEU-4 ${r.oracle.sentenceBleu.toFixed(2)}\n`,
      );
    for (const [g, s] of Object.entries(r.byGroup))
      process.stdout.write(
        `  ${terminalText(g)}: ${s.count} pairs, BLEU ${s.bleu.toFixed(2)}, sentence BLEU ${s.sentenceBleu.toFixed(2)}, EM ${s.exactMatch.toFixed(1)}%\n`,
      );
  } finally {
    runner.dispose();
  }
}

interface TranslateOptions extends DecodingFlags {
  model?: string;
  direction: string;
  beam: string;
  nbest: string;
  file?: string;
  lines?: string;
  backend: string;
  reuse: boolean;
}

function registerTranslate(program: Command): void {
  addDecodingFlags(program.command('translate'))
    .description('translate code to a comment (or back) with a model; reads stdin or --file with --lines')
    .option('--model <dir>', 'model folder (or a run folder: its best/); default: the bundled default model')
    .option('--direction <d>', 'code2doc | doc2code', 'code2doc')
    .option('--beam <n>', 'beam size', String(DECODING_DEFAULTS.beamSize))
    .option('--nbest <n>', 'candidates printed', '1')
    .option('--file <f>', 'read the source from this file')
    .option('--lines <a-b>', '1-based inclusive line range of --file')
    .option('--no-reuse', "always write a new comment, never a similar training function's summary")
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action((opts: TranslateOptions) => translateCommand(opts));
}

async function translateCommand(opts: TranslateOptions): Promise<void> {
  const direction = parseDirection(opts.direction);
  const beamSize = beamOption(opts.beam);
  const nBest = nBestOption(opts.nbest, beamSize);
  const decoding: Decoding = {
    ...DECODING_DEFAULTS,
    beamSize,
    nBest,
    ...decodingChoice(opts),
    ...(opts.reuse ? {} : { reuseSimilarity: null }),
  };
  let text = await translateInput(opts.file, process.stdin);
  if (opts.file) {
    const all = text.split('\n');
    const [a, b] = lineRangeOption('--lines', opts.lines, all.length);
    text = all.slice(a - 1, b).join('\n');
  }
  if (text.trim() === '') throw new Error('nothing to translate: pass text on stdin or --file (with --lines).');
  await startBackend(opts.backend);
  const runner = await ModelRunner.load(modelDirOption(opts.model));
  try {
    const t = runner.translate({ direction, text, decoding });
    // Model output may reuse a project's comment verbatim: control characters are shown, not sent.
    // A comment is one line: a line break in it (a reused summary's) becomes a space.
    const shown = (text: string): string => terminalText(direction === 'code2doc' ? lineCommentText(text) : text);
    if (t.candidates.length === 1) process.stdout.write(`${shown(t.candidates[0]!.text)}\n`);
    else
      t.candidates.forEach((c, i) =>
        process.stdout.write(
          `${i + 1}. [${c.reusedFrom ? `reused from ${terminalText(c.reusedFrom.path)}` : c.score.toFixed(3)}] ${shown(c.text)}\n`,
        ),
      );
  } finally {
    runner.dispose();
  }
}
