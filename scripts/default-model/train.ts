/**
 * `npm run train:v1`: the recipe that reproduces the first default model (the one model v2 replaced).
 *
 *  1. mines the pinned sources (sources.ts) into `<work>/corpus.jsonl`;
 *  2. trains with `recipe.json` through the same training job as `seq2seq train` (split by file
 *     with the recipe's seed; one model, both directions, told apart by a direction token);
 *  3. keeps best/ or last/ by validation BLEU, tunes its length reward on the same pairs, and
 *     scores it and both baselines on the held-out test split (bench/quality);
 *  4. writes `MODEL.md` (the model card) and `quality.json` into the model folder and installs it
 *     as `media/models/default` (atomically: a failed run never leaves a half-written model).
 *
 * Flags: --work <dir> (default .cache/default-model), --recipe <file>, --python <exe> (default python3),
 * --max-steps N and --max-minutes M (override the recipe's budget), --resume (continue the run in
 * <work>/run), --no-install (leave media/ alone), --eval-only (score and install <work>/run's
 * best model without training).
 */
import * as fs from 'fs';
import * as path from 'path';

import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { readCorpus, writeCorpus, type CorpusRecord } from '../../src/data/dataset';
import { splitByFile } from '../../src/data/dedupSplit';
import {
  CONFIG_FILE,
  MANIFEST_FILE,
  MEMORY_FILE,
  TOKENIZER_FILE,
  WEIGHTS_FILE,
  installModel,
} from '../../src/data/modelFolder';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import { prepareTrainJob } from '../../src/training/job';
import { keptDecodingKey, selectCheckpoint, tuneDecoding } from '../../src/training/modelSelection';
import { benchmarkModel, EXTENSION_DECODING, GENERATED_SYSTEM } from '../../src/training/predictions';
import { bootstrapText, languagesNotWon, perLanguageSample, qualityTable } from '../../src/training/quality';
import { checkThreads } from '../../src/training/threads';
import { runListener, runWithTimeCap } from '../../src/training/timedRun';
import { progressLine } from '../../src/cli/trainCommands';
import { MEDIA_MODEL_DIR, REPO_ROOT } from '../paths';
import { writeModelCard } from './modelCard';
import { RECIPE_FILE, readRecipe, type Recipe } from './recipe';
import { defaultSources, mineSources, type CorpusSource, type MinedCorpus } from './sources';

const log = (s: string): void => void process.stderr.write(`${s}\n`);

interface Options {
  work: string;
  recipe: string;
  python: string;
  maxSteps?: string;
  maxMinutes?: string;
  threads?: string;
  resume: boolean;
  evalOnly: boolean;
  install: boolean;
}

function parseOptions(): Options {
  return new Command()
    .option('--work <dir>', 'working folder (corpus, run)', path.join(REPO_ROOT, '.cache', 'default-model'))
    .option('--recipe <file>', 'recipe (default: scripts/default-model/recipe.json)', RECIPE_FILE)
    .option('--python <exe>', 'Python whose standard library is mined', 'python3')
    .option('--max-steps <n>', "override the recipe's step budget")
    .option('--max-minutes <n>', "override the recipe's time cap")
    .option('--threads <n>', 'data-parallel training threads (default 1)')
    .option('--resume', 'continue <work>/run', false)
    .option('--eval-only', "score and install <work>/run's best model without training", false)
    .option('--no-install', 'do not install into media/models/default')
    .parse()
    .opts<Options>();
}

/** The recipe file with the budget flags laid over it. */
function recipeOf(opts: Options): Recipe {
  const base = readRecipe(opts.recipe);
  return {
    ...base,
    maxMinutes: opts.maxMinutes ? Number(opts.maxMinutes) : base.maxMinutes,
    training: {
      ...base.training,
      ...(opts.maxSteps ? { maxSteps: Number(opts.maxSteps) } : {}),
      ...(opts.threads ? { threads: checkThreads(Number(opts.threads)) } : {}),
    },
  };
}

/** 1. Mines the pinned sources into `corpusFile` (always: it takes seconds, and the corpus must match the installed sources). */
async function mine(python: string, corpusFile: string): Promise<{ sources: CorpusSource[]; mined: MinedCorpus }> {
  const sources = defaultSources(REPO_ROOT, python);
  log(`mining ${sources.map((s) => s.label).join(', ')}`);
  const mined = await mineSources(sources);
  writeCorpus(corpusFile, mined.pairs);
  log(`${mined.pairs.length} pairs from ${mined.files} files in ${mined.seconds.toFixed(1)} s`);
  return { sources, mined };
}

/** 2. Trains (or resumes) the run in `runDir` within the recipe's budget. */
async function train(recipe: Recipe, corpusFile: string, runDir: string, resume: boolean): Promise<void> {
  const run = runListener(runDir, log, progressLine);
  try {
    const { trainer, summary } = await prepareTrainJob(
      { corpus: corpusFile, outDir: runDir, config: recipe, resume },
      run.listener,
    );
    log(
      `${summary.origin} run: ${summary.trainPairs} train / ${summary.validPairs} valid / ${summary.testPairs} test pairs, ` +
        `vocab ${summary.vocabSize}, ${summary.parameters} parameters`,
    );
    await runWithTimeCap(trainer, recipe.maxMinutes, log);
  } finally {
    run.close();
  }
}

/**
 * 3. Keeps best/ or last/, whichever scores higher on validation pairs decoded as the extension
 * decodes (the in-training evaluation is greedy and small, so its "best" is noisy), and tunes
 * its decoding on the same pairs: a length reward (the model writes shorter comments than the
 * references; a reward per token is the cheapest correction, Murray & Chiang 2018) and the code
 * overlap from which it reuses a near-copy's summary.
 */
async function chooseModel(recipe: Recipe, valid: readonly CorpusRecord[], runDir: string) {
  const selectionPairs = perLanguageSample(valid, recipe.selectionPairs ?? 600);
  const selection = await selectCheckpoint(runDir, selectionPairs);
  const tuned = await tuneDecoding(
    selection.dir,
    selectionPairs,
    recipe.lengthRewards ?? [0],
    recipe.reuseSimilarities ?? [null],
  );
  log(`kept: ${keptDecodingKey(tuned)}`);
  return { selection, tuned };
}

/** 4. Scores the model and both baselines on the held-out test split; prints the table. */
async function score(modelDir: string, train: readonly CorpusRecord[], test: readonly CorpusRecord[], work: string) {
  const result = await benchmarkModel(
    modelDir,
    train,
    test,
    EXTENSION_DECODING,
    (n) => n % 200 === 0 && log(`scored ${n}/${test.length}`),
  );
  writeCorpus(
    path.join(work, 'test-predictions.jsonl'),
    test.map((r, i) => ({ ...r, doc: result.predictions[i]! })),
  );
  process.stdout.write(`${qualityTable(result.rows)}\n\n${bootstrapText(result.bootstrap, 'model')}\n`);
  const notWon = languagesNotWon(result.rows, 'model', [GENERATED_SYSTEM]);
  log(notWon.length === 0 ? 'the model beats both baselines everywhere' : `not beaten in: ${notWon.join(', ')}`);
  return result;
}

/** Installs the model folder, with its card, as media/models/default. */
function install(modelDir: string): void {
  const files = [CONFIG_FILE, WEIGHTS_FILE, MANIFEST_FILE, TOKENIZER_FILE, 'MODEL.md', 'quality.json'];
  if (fs.existsSync(path.join(modelDir, MEMORY_FILE))) files.push(MEMORY_FILE);
  installModel(modelDir, MEDIA_MODEL_DIR, files);
  log(`installed into ${path.relative(REPO_ROOT, MEDIA_MODEL_DIR)}`);
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const recipe = recipeOf(opts);
  const work = path.resolve(opts.work);
  const runDir = path.join(work, 'run');
  const corpusFile = path.join(work, 'corpus.jsonl');
  fs.mkdirSync(work, { recursive: true });

  const backend = await selectBackend({ setting: 'auto' });
  log(backend.reason);
  prepareTrainingBackend();

  const { sources, mined } = await mine(opts.python, corpusFile);
  if (!opts.evalOnly) await train(recipe, corpusFile, runDir, opts.resume);

  const splits = splitByFile(await readCorpus(corpusFile), {
    seed: recipe.seed ?? 1,
    validFraction: recipe.validFraction ?? 0.1,
    testFraction: recipe.testFraction ?? 0.1,
  });
  const { selection, tuned } = await chooseModel(recipe, splits.valid, runDir);
  const modelDir = selection.dir;
  const { rows, reused, bootstrap, decodeSeconds } = await score(modelDir, splits.train, splits.test, work);

  writeModelCard({
    recipe,
    sources,
    mined,
    splits: { train: splits.train, valid: splits.valid, test: splits.test },
    modelDir,
    runDir,
    selection,
    tuned,
    reused,
    bootstrap,
    rows,
    decoding: EXTENSION_DECODING,
    decodeSeconds,
    backend: backend.name,
  });
  if (opts.install) install(modelDir);
}

main().catch((e: unknown) => {
  log(`train:v1 failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
