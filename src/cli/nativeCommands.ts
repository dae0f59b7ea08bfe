/**
 * The CLI's side of the native training engine (native/, PyTorch): `convert` between a model
 * folder and an interchange file, and `train --engine native`, which prepares the run here
 * (tokenizer, neighbours, examples, starting weights), trains it natively on every core, a GPU
 * or several machines, and brings the best weights back as an ordinary model folder.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Command } from 'commander';

import { INTERCHANGE_EXTENSION } from '../modelFolder/interchange';
import { BEST_DIR } from '../training/trainer';
import {
  findNativeEngine,
  folderToInterchange,
  handOffFiles,
  interchangeToFolder,
  runNative,
  writeHandOff,
  type HandOffFiles,
} from '../training/nativeEngine';
import { selectBackend } from '../core/backend';
import { prepareTrainJob, resolveModelDir } from '../training/job';
import type { TrainConfigFile } from '../training/trainConfigFile';
import { TRAIN_JOB_DEFAULTS } from '../training/trainingDefaults';
import { choiceOption, positiveNumberOption, wholeNumberOption } from './options';
import { checkModelFolderOutput, checkOutputFile } from './outputPaths';

interface ConvertOptions {
  like?: string;
  float16: boolean;
}

const isInterchange = (file: string): boolean => file.endsWith(INTERCHANGE_EXTENSION);

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description(
      `convert between an interchange file (*${INTERCHANGE_EXTENSION}, the native engine's) and a model folder, either way`,
    )
    .argument('<from>', `an interchange file (*${INTERCHANGE_EXTENSION}) or a model folder`)
    .argument('<to>', 'a model folder, or an interchange file')
    .option(
      '--like <dir>',
      'to a model folder: the model folder whose tokenizer, retrieval and decoding go with the weights',
    )
    .option('--float16', 'to a model folder: store the weights as float16, as the bundled model ships', false)
    .action((from: string, to: string, opts: ConvertOptions) => convertCommand(from, to, opts));
}

async function convertCommand(from: string, to: string, opts: ConvertOptions): Promise<void> {
  if (isInterchange(from) === isInterchange(to)) {
    throw new Error(
      `convert goes from an interchange file (*${INTERCHANGE_EXTENSION}) to a model folder or back; got ${from} -> ${to}.`,
    );
  }
  if (path.resolve(from) === path.resolve(to)) throw new Error('convert needs a destination other than its source.');
  // Weights become tensors on the way through: the CPU backend is always there and starts at once.
  await selectBackend({ setting: 'cpu' });
  if (isInterchange(from)) {
    if (!opts.like) {
      throw new Error(
        "converting to a model folder needs --like <model folder>: the folder the run started from (a native run's <out>/native/template), whose tokenizer goes with the weights.",
      );
    }
    checkModelFolderOutput('<to>', to, [
      { flag: '<from>', path: from },
      { flag: '--like', path: opts.like },
    ]);
    await interchangeToFolder(from, to, resolveModelDir(opts.like), opts.float16);
  } else {
    checkOutputFile('<to>', to);
    await folderToInterchange(resolveModelDir(from), to);
  }
  process.stdout.write(`wrote ${to}\n`);
}

/** The flags of `train` that the native engine reads. */
export interface NativeTrainFlags {
  readonly corpus: string;
  readonly out: string;
  readonly valid?: string;
  readonly test?: string;
  readonly resume: boolean;
  readonly init?: string;
  /**
   * Not a flag of `train`: the hand-off's starting weights are an exported model at the step they
   * record (a run continued from it, scripts/model-v2/nativeChunk.ts): the native run goes on from
   * that step (`--continue`).
   */
  readonly continued?: boolean;
  readonly maxSteps?: string;
  readonly minutes?: string;
  readonly threads?: string;
  readonly nproc?: string;
  readonly device?: string;
  readonly nnodes?: string;
  readonly nodeRank?: string;
  readonly masterAddr?: string;
  readonly masterPort?: string;
  /** What `minutes` counts: wall time (default) or each process's CPU time (equal work on a shared machine). */
  readonly clock?: 'wall' | 'cpu';
  /** Keep the last this many evaluations' weights in the run's checkpoints/ (checkpoint averaging). */
  readonly keepCheckpoints?: string;
  /** Write the run's files and print the native command instead of starting it (torchrun, another machine). */
  readonly prepareOnly?: boolean;
}

/**
 * The native engine's command line for a run whose files are `files` (with `--valid-bare` when they
 * hold valid-bare.bin: make it once they are written).
 */
export function nativeTrainArgs(files: HandOffFiles, flags: NativeTrainFlags, seed: number): string[] {
  const args = [
    'train',
    '--examples',
    files.train,
    '--valid',
    files.valid,
    ...(fs.existsSync(files.validBare) ? ['--valid-bare', files.validBare] : []),
    '--config',
    files.run,
    '--out',
    files.runDir,
  ];
  args.push('--seed', String(seed));
  if (flags.resume) args.push('--resume');
  else args.push('--init', files.start, ...(flags.continued ? ['--continue'] : []));
  const pass = (flag: string, value: string | undefined, check: (v: string) => unknown): void => {
    if (value === undefined) return;
    check(value);
    args.push(flag, value);
  };
  pass('--steps', flags.maxSteps, (v) => wholeNumberOption('--max-steps', v));
  pass('--minutes', flags.minutes, (v) => positiveNumberOption('--minutes', v));
  pass('--clock', flags.clock, (v) => choiceOption('--clock', v, ['wall', 'cpu'] as const));
  pass('--threads', flags.threads, (v) => wholeNumberOption('--threads', v));
  pass('--nproc', flags.nproc, (v) => wholeNumberOption('--nproc', v));
  pass('--device', flags.device, (v) => choiceOption('--device', v, ['cpu', 'cuda'] as const));
  pass('--nnodes', flags.nnodes, (v) => wholeNumberOption('--nnodes', v));
  pass('--node-rank', flags.nodeRank, (v) => wholeNumberOption('--node-rank', v, 0));
  pass('--master-addr', flags.masterAddr, (v) => v);
  pass('--master-port', flags.masterPort, (v) => wholeNumberOption('--master-port', v, 1, 65535));
  pass('--keep-checkpoints', flags.keepCheckpoints, (v) => wholeNumberOption('--keep-checkpoints', v, 0));
  return args;
}

/**
 * `train --engine native`: prepares the run as the TensorFlow.js trainer would (the same
 * tokenizer, neighbours, examples and starting weights), trains it natively, then converts the
 * native best weights into `<out>/best`, an ordinary model folder. `--resume` continues the native
 * run in `<out>/native/run` from its files alone.
 */
export async function nativeTrainCommand(flags: NativeTrainFlags, config: TrainConfigFile): Promise<void> {
  const engine = findNativeEngine();
  process.stderr.write(`native engine: PyTorch ${engine.torchVersion} (${engine.python})\n`);
  if (flags.init)
    throw new Error('--init (fine-tuning with the guard) runs on the built-in engine; drop --engine native.');
  const files = handOffFiles(path.join(flags.out, 'native'));
  const seed = config.seed ?? TRAIN_JOB_DEFAULTS.seed;
  // The flags are checked before the long preparation; the command line is made after it.
  nativeTrainArgs(files, flags, seed);
  if (flags.resume) {
    if (!fs.existsSync(files.template)) {
      throw new Error(
        `${flags.out} has no native run to resume (${files.template} is missing); train without --resume.`,
      );
    }
  } else {
    const job = await prepareTrainJob(
      {
        corpus: flags.corpus,
        ...(flags.valid !== undefined ? { validCorpus: flags.valid } : {}),
        ...(flags.test !== undefined ? { testCorpus: flags.test } : {}),
        outDir: flags.out,
        config,
        cacheExamples: true,
        validBare: true,
      },
      () => undefined,
    );
    try {
      const batchSize = config.batchSize ?? TRAIN_JOB_DEFAULTS.batchSize;
      await writeHandOff(files, job.trainer.model, job.examples, job.options, batchSize);
      process.stderr.write(
        `handed to the native engine: ${job.examples.train.length} training and ${job.examples.valid.length} validation examples, ` +
          `${job.summary.parameters} parameters, in ${files.dir}\n`,
      );
    } finally {
      job.trainer.dispose();
      job.trainer.model.dispose();
    }
  }
  const args = nativeTrainArgs(files, flags, seed);
  if (flags.prepareOnly) {
    const quoted = args.map((a) => (/^[\w./:=-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(' ');
    process.stdout.write(`PYTHONPATH=${engine.packageRoot} ${engine.python} -m seq2seq_native ${quoted}\n`);
    return;
  }
  const code = await runNative(engine, args);
  if (code !== 0)
    throw new Error(
      `the native engine stopped with exit code ${code}; its last checkpoint is in ${files.runDir}/last (train again with --resume).`,
    );
  const best = path.join(files.runDir, BEST_DIR, `model${INTERCHANGE_EXTENSION}`);
  if (!fs.existsSync(best)) {
    process.stderr.write(`the native run has no best checkpoint yet (${best}); nothing converted.\n`);
    return;
  }
  if (flags.nodeRank !== undefined && Number(flags.nodeRank) > 0) return; // the first machine brings the weights back
  const target = path.join(flags.out, BEST_DIR);
  await interchangeToFolder(best, target, files.template, false);
  process.stderr.write(`converted the native best checkpoint into ${target}\n`);
}
