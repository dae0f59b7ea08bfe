/**
 * One chunk of a recipe arm trained on the native engine (native/, PyTorch): the first chunk
 * prepares the run here exactly as the built-in trainer would (tokenizer, neighbours from each
 * function's project, examples, starting weights) and hands it over; every chunk then runs the
 * native trainer for at most its minutes (resuming the same run after the first), and brings the
 * native best/ and last/ weights back as the model folders `<run>/best` and `<run>/last`, which
 * `--finish` and `--compare` read as they read a built-in run's. A run continued from an exported
 * model (`continueFrom`) is prepared from that model's weights and tokenizer at its step, and the
 * native trainer goes on from that step (`--continue`: the schedule and the position in the
 * batches go on, the optimizer's moments start afresh). Beside the validation examples
 * goes the same set without neighbours (valid-bare.bin), whose loss the native engine reports at
 * every evaluation; a run prepared before that file existed gets it when its next chunk starts.
 * With `averageCheckpoints` the native run keeps its last evaluations' weights (checkpoints/), and
 * each chunk writes their mean as `<run>/average`, which `--finish` weighs beside best/ and last/.
 */
import * as fs from 'fs';
import * as path from 'path';

import { nativeTrainArgs } from '../../src/cli/nativeCommands';
import { DEFAULT_MODEL_CONFIG } from '../../src/core/config';
import {
  INTERCHANGE_EXTENSION,
  averageInterchange,
  readInterchange,
  writeInterchangeFile,
} from '../../src/modelFolder/interchange';
import { readCorpus } from '../../src/mining/dataset';
import { readConfigFile } from '../../src/modelFolder/format';
import { decodeExamples } from '../../src/training/examplesCache';
import { DEFAULT_DIRECTIONS, loadTokenizerBeside, prepareTrainJob, validationExamples } from '../../src/training/job';
import type { TrainConfigFile } from '../../src/training/trainConfigFile';
import {
  findNativeEngine,
  handOffFiles,
  interchangeToFolder,
  runNative,
  writeExamplesFile,
  writeHandOff,
  type HandOffFiles,
} from '../../src/training/nativeEngine';
import { AVERAGE_DIR, BEST_DIR, LAST_DIR } from '../../src/training/trainer';
import { TRAIN_JOB_DEFAULTS } from '../../src/training/trainingDefaults';
import type { Chunk } from './finish';

export interface NativeChunkOptions {
  readonly runDir: string;
  readonly files: { readonly train: string; readonly test: string };
  /** The fixed validation sample. */
  readonly valid: string;
  readonly config: TrainConfigFile;
  readonly minutes: number;
  /** Processes on this machine (one per core, or per GPU with `device` cuda). */
  readonly processes: number;
  readonly device?: 'cpu' | 'cuda';
  /** What the chunk's minutes count (see the native trainer's --clock). */
  readonly clock?: 'wall' | 'cpu';
  /** Continue the arm's native run (every chunk after the first). */
  readonly resume: boolean;
  /** Average this many of the run's newest evaluation checkpoints into `<run>/average` (2 or more). */
  readonly averageCheckpoints?: number;
  /** A new run goes on from this exported model folder of an earlier run, at its step (not with `resume`). */
  readonly continueFrom?: string;
  readonly log: (line: string) => void;
}

/** The step the native run's last checkpoint is at (0 before any). */
function lastStep(runDir: string): number {
  const file = path.join(runDir, LAST_DIR, `model${INTERCHANGE_EXTENSION}`);
  return fs.existsSync(file) ? (readInterchange(file).step ?? 0) : 0;
}

/** The run's training time so far by its own clock: the last `elapsedMs` of its metrics (0 before any). */
function trainedMs(runDir: string): number {
  const file = path.join(runDir, 'metrics.jsonl');
  if (!fs.existsSync(file)) return 0;
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = lines[i] ? (JSON.parse(lines[i]!) as { elapsedMs?: number }) : {};
    if (typeof m.elapsedMs === 'number') return m.elapsedMs;
  }
  return 0;
}

/**
 * A run with neighbours prepared before valid-bare.bin existed: its validation sample made again
 * without neighbours, with the run's tokenizer and limits, checked against valid.bin (the same
 * examples in the same order, the same targets) and written beside it. Returns how many it wrote.
 */
async function addValidBare(files: HandOffFiles, validCorpus: string, config: TrainConfigFile): Promise<number> {
  if (fs.existsSync(files.validBare)) return 0;
  const { config: model, meta } = readConfigFile(files.template);
  if (!meta.retrieval) return 0; // no neighbours: valid.bin is that set already
  const bare = validationExamples(
    await readCorpus(validCorpus),
    loadTokenizerBeside(files.template),
    {
      maxSrcLen: model.maxSrcLen ?? DEFAULT_MODEL_CONFIG.maxSrcLen,
      maxTgtLen: model.maxTgtLen ?? DEFAULT_MODEL_CONFIG.maxTgtLen,
    },
    config.directions ?? DEFAULT_DIRECTIONS,
  );
  const valid = decodeExamples(fs.readFileSync(files.valid)) ?? [];
  const same = (a: readonly number[], b: readonly number[]): boolean =>
    a.length === b.length && a.every((x, i) => x === b[i]);
  const matches =
    valid.length === bare.length && valid.every((e, i) => e.src[0] === bare[i]!.src[0] && same(e.tgt, bare[i]!.tgt));
  if (!matches)
    throw new Error(
      `${files.valid} was not made from ${validCorpus} with this recipe's directions; ` +
        'the validation examples without neighbours cannot be made for this run (start the arm again without --resume).',
    );
  writeExamplesFile(files.validBare, bare);
  return bare.length;
}

/**
 * The neighbour dropout a native run was prepared with (its training examples keep it whatever
 * the recipe says later): the template's resolved data options, 0 when it has no neighbours.
 */
function preparedDropout(template: string): number {
  const data = readConfigFile(template).meta.training?.options?.['data'] as { neighbourDropout?: unknown } | undefined;
  return typeof data?.neighbourDropout === 'number' ? data.neighbourDropout : 0;
}

/** The native run's kept checkpoints (checkpoints/step-N.safetensors, its --keep-checkpoints), oldest step first. */
function keptCheckpoints(nativeRunDir: string): { step: number; file: string }[] {
  const dir = path.join(nativeRunDir, 'checkpoints');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((name) => ({ m: /^step-(\d+)\.safetensors$/.exec(name), name }))
    .filter((x) => x.m !== null)
    .map((x) => ({ step: Number(x.m![1]), file: path.join(dir, x.name) }))
    .sort((a, b) => a.step - b.step);
}

/**
 * `<run>/average`: the mean of the newest `count` kept checkpoints, as a model folder; none (and
 * an older one removed) while fewer than two are kept.
 */
async function writeAverage(
  files: HandOffFiles,
  runDir: string,
  count: number,
  log: (line: string) => void,
): Promise<void> {
  const kept = keptCheckpoints(files.runDir).slice(-count);
  const to = path.join(runDir, AVERAGE_DIR);
  if (kept.length < 2) {
    fs.rmSync(to, { recursive: true, force: true });
    return;
  }
  const averaged = path.join(files.runDir, AVERAGE_DIR, `model${INTERCHANGE_EXTENSION}`);
  await writeInterchangeFile(averaged, averageInterchange(kept.map((k) => k.file)));
  const averagedSteps = kept.map((k) => k.step);
  await interchangeToFolder(averaged, to, files.template, false, { averagedSteps });
  log(`averaged the weights of steps ${averagedSteps.join(', ')} into ${to}`);
}

/** Trains one chunk natively; returns the chunk to record. */
export async function nativeChunk(o: NativeChunkOptions): Promise<Chunk> {
  const engine = findNativeEngine();
  const files = handOffFiles(path.join(o.runDir, 'native'));
  const seed = o.config.seed ?? TRAIN_JOB_DEFAULTS.seed;
  if (o.resume && o.continueFrom) throw new Error('a continued run starts a new run; it cannot resume one.');
  let startStep = 0;
  if (!o.resume) {
    const job = await prepareTrainJob(
      {
        corpus: o.files.train,
        validCorpus: o.valid,
        testCorpus: o.files.test,
        outDir: o.runDir,
        config: o.config,
        cacheExamples: true,
        validBare: true,
        ...(o.continueFrom ? { continueFrom: o.continueFrom } : {}),
      },
      () => undefined,
    );
    try {
      // A continued job's model holds the exported model's weights and its trainer that model's step.
      startStep = job.summary.startStep;
      await writeHandOff(
        files,
        job.trainer.model,
        job.examples,
        job.options,
        o.config.batchSize ?? TRAIN_JOB_DEFAULTS.batchSize,
        startStep,
      );
      const bare = job.examples.validBare ? ` (and ${job.examples.validBare.length} without neighbours)` : '';
      const continued = o.continueFrom ? `, continued from ${o.continueFrom} at step ${startStep}` : '';
      o.log(
        `handed to the native engine: ${job.examples.train.length} training and ${job.examples.valid.length} validation examples${bare}, ` +
          `${job.summary.parameters} parameters${continued}`,
      );
    } finally {
      job.trainer.dispose();
      job.trainer.model.dispose();
    }
  } else if (!fs.existsSync(files.template)) {
    throw new Error(
      `${files.dir} holds no native run to resume; the arm's files are gone (start it again without --resume).`,
    );
  } else {
    const added = await addValidBare(files, o.valid, o.config);
    if (added > 0)
      o.log(`wrote the ${added} validation examples without neighbours beside the run's (${files.validBare})`);
  }
  const dropout = preparedDropout(files.template);
  if (dropout !== (o.config.neighbourDropout ?? 0))
    o.log(
      `note: this run was prepared with neighbourDropout ${dropout}, and its examples keep it ` +
        `(the recipe now says ${o.config.neighbourDropout ?? 0}: a new arm trains with that)`,
    );
  const fromStep = o.resume ? lastStep(files.runDir) : startStep;
  const trainedBefore = trainedMs(files.runDir);
  const args = nativeTrainArgs(
    files,
    {
      corpus: o.files.train,
      out: o.runDir,
      resume: o.resume,
      ...(o.continueFrom ? { continued: true } : {}),
      minutes: String(o.minutes),
      // The step limit of this invocation (the recipe's, or --max-steps): run.json keeps the one the run was prepared with.
      ...(o.config.training?.maxSteps ? { maxSteps: String(o.config.training.maxSteps) } : {}),
      nproc: String(o.processes),
      threads: '1',
      ...(o.device ? { device: o.device } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.averageCheckpoints !== undefined ? { keepCheckpoints: String(o.averageCheckpoints) } : {}),
    },
    seed,
  );
  o.log(
    `native engine: PyTorch ${engine.torchVersion}, ${o.processes} process(es), chunk of ${o.minutes.toFixed(0)} min from step ${fromStep}`,
  );
  const started = Date.now();
  const code = await runNative(engine, args);
  const minutes = (Date.now() - started) / 60_000;
  if (code !== 0) throw new Error(`the native engine stopped with exit code ${code} after ${minutes.toFixed(1)} min`);
  for (const dir of [BEST_DIR, LAST_DIR]) {
    const file = path.join(files.runDir, dir, `model${INTERCHANGE_EXTENSION}`);
    if (fs.existsSync(file)) await interchangeToFolder(file, path.join(o.runDir, dir), files.template, false);
  }
  if (o.averageCheckpoints !== undefined) await writeAverage(files, o.runDir, o.averageCheckpoints, o.log);
  return {
    started: new Date(started).toISOString(),
    minutes,
    fromStep,
    engine: `native (PyTorch ${engine.torchVersion}), ${o.processes} process${o.processes === 1 ? '' : 'es'} on ${o.device ?? 'cpu'}`,
    neighbourDropout: dropout,
    ...(o.clock === 'cpu' ? { clock: 'cpu', trainingMinutes: (trainedMs(files.runDir) - trainedBefore) / 60_000 } : {}),
  };
}
