/**
 * CLI commands over models: `train` (progress bar on stderr, JSONL metrics log, Ctrl-C saves the
 * last checkpoint and exits, --resume, --init to fine-tune), `eval` (both BLEUs, exact match,
 * per-language breakdown) and `translate` (stdin or a file's line range; beam and n-best).
 * The progress bar is a few lines of ANSI on stderr rather than a dependency.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';

import { selectBackend } from '../core/backend';
import { DECODING_DEFAULTS } from '../core/decodingDefaults';
import { DIRECTIONS, type Direction } from '../core/specialTokens';
import { readCorpus, writeCorpus, type CorpusRecord } from '../data/dataset';
import { ModelRunner } from '../inference/modelRunner';
import { prepareTrainingBackend } from '../training/backendSetup';
import { evaluateModel } from '../training/evaluation';
import { bundledModelDir } from './documentCommand';
import { nativeTrainCommand, type NativeTrainFlags } from './nativeCommands';
import type { FinishedEvent, TrainerEvent } from '../training/events';
import { guardFineTune } from '../training/guard';
import { evalExamples, prepareTrainJob, resolveModelDir, type TrainConfigFile } from '../training/job';
import { readTrainConfig } from '../training/trainConfigFile';
import { randomSearch, trialTable } from '../training/tune';
import {
  backendOption,
  choiceOption,
  lineRangeOption,
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

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The config file with `--max-steps`, `--minutes` and `--threads` laid over its `training` section. */
export function withTrainingFlags(
  config: TrainConfigFile,
  flags: { readonly maxSteps?: string; readonly threads?: string; readonly minutes?: string },
): TrainConfigFile {
  const training = { ...config.training };
  const maxSteps = optional(flags.maxSteps, (v) => wholeNumberOption('--max-steps', v));
  const minutes = optional(flags.minutes, (v) => positiveNumberOption('--minutes', v));
  const threads = optional(flags.threads, (v) => wholeNumberOption('--threads', v));
  if (maxSteps !== undefined) training.maxSteps = maxSteps;
  if (minutes !== undefined) training.timeBudgetMs = minutes * 60_000;
  if (threads !== undefined) training.threads = threads;
  return { ...config, training };
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
    .option('--threads <n>', 'data-parallel training threads (each with a model replica); default: the config, or 1')
    .option('--minutes <n>', 'time budget: stop training after n minutes (the best checkpoint is kept)')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .option(
      '--engine <name>',
      'tfjs (built in) | native (PyTorch: every core, a GPU, several machines; see "Training at scale")',
      'tfjs',
    )
    .option('--nproc <n>', 'native: processes on this machine (one per core or per GPU)')
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
        process.stderr.write(`  ref:  ${s.reference.slice(0, 100)}\n  pred: ${s.prediction.slice(0, 100)}\n`);
    } else if (e.type === 'finished') {
      process.stderr.write(
        `${tty ? '\r\x1b[2K' : ''}finished (${e.reason}) at step ${e.step} after ${fmtMs(e.elapsedMs)}; best ${e.bestDir ?? 'none'}\n`,
      );
    }
  };
}

async function trainCommand(opts: TrainOptions): Promise<void> {
  // Options first, so that a typo fails before the backend loads.
  const config = withTrainingFlags(opts.config ? readTrainConfig(opts.config) : {}, opts);
  if (choiceOption('--engine', opts.engine, ENGINES) === 'native') {
    await startBackend(opts.backend);
    return nativeTrainCommand(opts, config);
  }
  const nativeOnly = (
    ['nproc', 'device', 'nnodes', 'nodeRank', 'masterAddr', 'masterPort', 'prepareOnly'] as const
  ).filter((k) => opts[k] !== undefined);
  if (nativeOnly.length)
    throw new Error(`--${nativeOnly[0]!.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} needs --engine native.`);
  await startBackend(opts.backend);
  fs.mkdirSync(opts.out, { recursive: true });
  const log = fs.openSync(path.join(opts.out, 'metrics.jsonl'), 'a');
  const { trainer, summary, test, documented } = await prepareTrainJob(
    {
      corpus: opts.corpus,
      ...(opts.valid !== undefined ? { validCorpus: opts.valid } : {}),
      ...(opts.test !== undefined ? { testCorpus: opts.test } : {}),
      outDir: opts.out,
      config,
      resume: opts.resume,
      ...(opts.init ? { initModel: opts.init } : {}),
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
  const onSigint = (): void => {
    process.stderr.write('\nstopping: saving the last checkpoint (Ctrl-C again to abort)\n');
    trainer.cancel();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  let finished: FinishedEvent;
  try {
    finished = await trainer.run();
  } finally {
    process.removeListener('SIGINT', onSigint);
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
  maxTrials?: string;
  threads?: string;
  backend: string;
}

function registerTune(program: Command): void {
  program
    .command('tune')
    .description('random search over learning rate, dropout, hidden size and attention type within a time budget')
    .requiredOption('--corpus <file>', 'JSONL corpus')
    .requiredOption('--out <dir>', 'folder for the trials (trials.json)')
    .option('--config <file>', 'base config (as for train)')
    .option('--minutes <n>', 'time budget', '10')
    .option('--steps <n>', 'optimizer steps per trial', '200')
    .option('--max-trials <n>', 'stop after this many trials')
    .option('--threads <n>', 'data-parallel training threads per trial; default: the config, or 1')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action(async (opts: TuneOptions) => {
      const base = withTrainingFlags(opts.config ? readTrainConfig(opts.config) : {}, opts);
      const minutes = positiveNumberOption('--minutes', opts.minutes);
      const stepsPerTrial = wholeNumberOption('--steps', opts.steps);
      const maxTrials = optional(opts.maxTrials, (v) => wholeNumberOption('--max-trials', v));
      await startBackend(opts.backend);
      const trials = await randomSearch({
        corpus: opts.corpus,
        outDir: opts.out,
        base,
        budgetMs: minutes * 60000,
        stepsPerTrial,
        ...(maxTrials !== undefined ? { maxTrials } : {}),
        onTrial: (t) =>
          process.stderr.write(`trial ${t.index}: score ${t.score ?? '-'} in ${t.seconds.toFixed(1)} s\n`),
      });
      process.stdout.write(`${trialTable(trials)}\n`);
    });
}

interface EvalOptions {
  model?: string;
  corpus: string;
  direction: string;
  beam: string;
  limit: string;
  json: boolean;
  backend: string;
}

function registerEval(program: Command): void {
  program
    .command('eval')
    .description('score a model on a JSONL corpus: corpus BLEU-4, smoothed sentence BLEU-4, exact match, per language')
    .option('--model <dir>', 'model folder (or a run folder: its best/); default: the bundled default model')
    .requiredOption('--corpus <file>', 'JSONL corpus to score on')
    .option('--direction <d>', 'code2doc | doc2code', 'code2doc')
    .option('--beam <n>', 'beam size (1 = greedy)', '1')
    .option('--limit <n>', 'most pairs decoded', '1000')
    .option('--json', 'print the result as JSON', false)
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu', 'auto')
    .action((opts: EvalOptions) => evalCommand(opts));
}

async function evalCommand(opts: EvalOptions): Promise<void> {
  const direction = parseDirection(opts.direction);
  const beamSize = wholeNumberOption('--beam', opts.beam);
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
    });
    if (opts.json) {
      process.stdout.write(
        `${JSON.stringify({ bleu: r.bleu, sentenceBleu: r.sentenceBleu, exactMatch: r.exactMatch, decoded: r.decoded, byGroup: r.byGroup })}\n`,
      );
      return;
    }
    process.stdout.write(
      `pairs ${r.decoded}\ncorpus BLEU-4 ${r.bleu.toFixed(2)}\nsentence BLEU-4 (CodeXGLUE) ${r.sentenceBleu.toFixed(2)}\nexact match ${r.exactMatch.toFixed(2)}%\n`,
    );
    for (const [g, s] of Object.entries(r.byGroup))
      process.stdout.write(
        `  ${g}: ${s.count} pairs, BLEU ${s.bleu.toFixed(2)}, sentence BLEU ${s.sentenceBleu.toFixed(2)}, EM ${s.exactMatch.toFixed(1)}%\n`,
      );
  } finally {
    runner.dispose();
  }
}

interface TranslateOptions {
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
  program
    .command('translate')
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
  const beamSize = wholeNumberOption('--beam', opts.beam);
  const nBest = wholeNumberOption('--nbest', opts.nbest);
  let text: string;
  if (opts.file) {
    const all = fs.readFileSync(opts.file, 'utf8').split('\n');
    const [a, b] = lineRangeOption('--lines', opts.lines, all.length);
    text = all.slice(a - 1, b).join('\n');
  } else text = await readStdin();
  if (text.trim() === '') throw new Error('nothing to translate: pass text on stdin or --file (with --lines).');
  await startBackend(opts.backend);
  const runner = await ModelRunner.load(modelDirOption(opts.model));
  try {
    const t = runner.translate({
      direction,
      text,
      beamSize,
      nBest,
      maxLength: DECODING_DEFAULTS.maxLength,
      lengthPenalty: DECODING_DEFAULTS.lengthPenalty,
      ...(opts.reuse ? {} : { reuseSimilarity: null }),
    });
    if (t.candidates.length === 1) process.stdout.write(`${t.candidates[0]!.text}\n`);
    else
      t.candidates.forEach((c, i) =>
        process.stdout.write(
          `${i + 1}. [${c.reusedFrom ? `reused from ${c.reusedFrom.path}` : c.score.toFixed(3)}] ${c.text}\n`,
        ),
      );
  } finally {
    runner.dispose();
  }
}
