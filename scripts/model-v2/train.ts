/**
 * `npm run train:v2`: trains the second default model on the corpus of `npm run corpus:build`
 * (split by project), in resumable chunks, and compares architectures at equal training time.
 *
 *  - `--arm gru|transformer` picks one of the recipe's architectures; each arm trains in its own
 *    folder `<work>/<arm>/run` with neighbours from the same project's other files (retrieval
 *    'project'), validated on a fixed per-language sample of the validation projects.
 *  - One invocation trains one chunk: at most `chunkMinutes` (and `--minutes`), and never past the
 *    arm's `totalMinutes`; `--resume` continues the arm's run from its last checkpoint. The
 *    minutes each chunk trained are kept in `<work>/<arm>/chunks.json`.
 *  - `--compare` trains nothing: it prints, for each arm, its neighbour dropout and the best
 *    validation loss reached within the training time every arm has had (so they are compared at
 *    equal training time), with that evaluation's loss on the same validation functions without
 *    neighbours (native runs) and its BLEU (built-in runs). Arms that differ only in
 *    `neighbourDropout` choose that rate on validation.
 *  - `--finish` (finish.ts) chooses the arm's checkpoint and decoding on validation projects,
 *    scores the test projects once, writes MODEL.md; `--install` makes it the bundled model.
 *  - `--continue-from <model> --trained-minutes N [--lost-minutes N]` starts an arm's run (built-in
 *    or native) from a model an earlier run of it exported, at that model's step, when that run's
 *    checkpoints are gone; the earlier minutes become the arm's first chunk.
 *
 * Flags: --corpus <dir> (default .cache/corpus), --work <dir> (default .cache/model-v2),
 * --recipe <file>, --arm, --minutes N, --max-steps N, --threads N, --resume, --compare, --default
 * (npm run train:default: the default arm, every core, resuming; finish and install when its minutes are spent).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { Command } from 'commander';

import { selectBackend } from '../../src/core/backend';
import { hasConfigFile, readConfigFile } from '../../src/modelFolder/format';
import { readCorpus, writeCorpus } from '../../src/mining/dataset';
import { progressLine } from '../../src/cli/trainCommands';
import { prepareTrainingBackend } from '../../src/training/backendSetup';
import { prepareTrainJob } from '../../src/training/job';
import { TRAIN_CONFIG_FIELDS, type TrainConfigFile } from '../../src/training/trainConfigFile';
import type { ModelConfig } from '../../src/core/config';
import {
  array,
  checkedLater,
  number,
  object,
  oneOf,
  optional,
  readJsonFile,
  record,
  string,
  type Check,
} from '../../src/files/schema';
import { DECODING_GRID_FIELDS, type DecodingGrid } from '../../src/training/modelSelection';
import { seededPerLanguageSample } from '../../src/training/quality';
import { checkThreads } from '../../src/training/threads';
import { runListener, runWithTimeCap } from '../../src/training/timedRun';
import { finish, inheritedComparison, trainingMinutesOf, type Chunk, type ComparedModel } from './finish';
import { nativeChunk } from './nativeChunk';
import { REPO_ROOT as ROOT, MEDIA_MODEL_DIR } from '../paths';

const RECIPE_FILE = path.join(ROOT, 'scripts', 'model-v2', 'recipe.json');
/** An arm with fewer training minutes left than this is done (a chunk ends a little before its cap). */
const DONE_WITHIN_MINUTES = 1;

/** The decoding grid is tried by --finish on validation projects (default: reward 0, no reuse). */
interface RecipeV2 extends Omit<TrainConfigFile, 'model'>, DecodingGrid {
  /** The arm `--default` (npm run train:default) trains, finishes and installs: the comparison's winner. */
  readonly defaultArm: string;
  /** Validation pairs per language scored at each evaluation (a fixed seeded sample). */
  readonly validPairsPerLanguage: number;
  /** Longest chunk one invocation trains, in minutes. */
  readonly chunkMinutes: number;
  /** Training minutes an arm may spend over all its chunks. */
  readonly totalMinutes: number;
  /**
   * The architectures compared, each a partial training config laid over the recipe (an arm's own
   * `neighbourDropout` included).
   */
  readonly arms: Readonly<Record<string, Pick<TrainConfigFile, 'model'> & Partial<TrainConfigFile> & ArmEngine>>;
  /** Side experiments that chose one of the recipe's settings, each shown in the card (see {@link studyTable}). */
  readonly studies?: readonly Study[];
}

/**
 * A setting chosen by training another recipe's arms in another work folder (the neighbour
 * dropout rate: the same model trained with each rate): every evaluation of each arm, and why the
 * recipe's value was kept.
 */
interface Study {
  /** The setting, as the card names it ("Neighbour dropout"). */
  readonly setting: string;
  /** The study's recipe, relative to this recipe's folder. */
  readonly recipe: string;
  /** Its work folder, relative to the repository. */
  readonly work: string;
  /** The choice and its reason, as measured. */
  readonly why: string;
}

/** Where an arm trains: the built-in engine (default), or the native one with its processes. */
interface ArmEngine {
  readonly engine?: 'tfjs' | 'native';
  /** Native: processes on this machine (default: one per core). */
  readonly processes?: number;
  /** Native: what the arm's minutes count, wall time (default) or CPU time (see nativeChunk). */
  readonly clock?: 'wall' | 'cpu';
  /**
   * Native: the run keeps its last this many evaluations' weights, and each chunk writes their
   * mean as `run/average` (checkpoint averaging), a third candidate for the finish's checkpoint choice.
   */
  readonly averageCheckpoints?: number;
}

const log = (line: string): void => {
  process.stderr.write(`[train:v2 ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
};

const recipeV2: Check<RecipeV2> = object({
  ...TRAIN_CONFIG_FIELDS,
  ...DECODING_GRID_FIELDS,
  defaultArm: string,
  validPairsPerLanguage: number,
  chunkMinutes: number,
  totalMinutes: number,
  arms: record(
    object({
      ...TRAIN_CONFIG_FIELDS,
      model: checkedLater<Partial<ModelConfig>>(),
      engine: optional(oneOf('tfjs', 'native')),
      processes: optional(number),
      clock: optional(oneOf('wall', 'cpu')),
      averageCheckpoints: optional(number),
    }),
  ),
  studies: optional(array(object({ setting: string, recipe: string, work: string, why: string }))),
});

function readRecipe(file: string): RecipeV2 {
  const r = readJsonFile(file, recipeV2);
  if (!(r.chunkMinutes > 0 && r.chunkMinutes <= 150)) throw new Error(`${file}: chunkMinutes must be in (0, 150]`);
  if (!(r.totalMinutes > 0)) throw new Error(`${file}: totalMinutes must be positive`);
  if (!r.arms || Object.keys(r.arms).length === 0) throw new Error(`${file}: no arms`);
  if (!r.arms[r.defaultArm]) throw new Error(`${file}: defaultArm ${r.defaultArm} is not one of the arms`);
  return r;
}

function readChunks(armDir: string): Chunk[] {
  const file = path.join(armDir, 'chunks.json');
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as Chunk[]) : [];
}

function writeChunks(armDir: string, chunks: readonly Chunk[]): void {
  const file = path.join(armDir, 'chunks.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(chunks, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

/** The corpus's split files, or a message saying how to build them. */
function splitFiles(corpusDir: string): { train: string; valid: string; test: string } {
  const files = { train: 'train.jsonl', valid: 'valid.jsonl', test: 'test.jsonl' };
  const out = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, path.join(corpusDir, f)])) as typeof files;
  for (const f of Object.values(out))
    if (!fs.existsSync(f)) throw new Error(`${f} is missing; build the corpus first (npm run corpus:build).`);
  return out;
}

/** A fixed, seeded sample of the validation projects' pairs, the same for every arm and chunk. */
async function validSample(validFile: string, work: string, perLanguage: number, seed: number): Promise<string> {
  const file = path.join(work, `valid-sample-${perLanguage}.jsonl`);
  if (fs.existsSync(file)) return file;
  writeCorpus(file, seededPerLanguageSample(await readCorpus(validFile), perLanguage, seed));
  return file;
}

/** A default model's version from its card's heading ("…, version 2"); the first card had none. */
function modelVersion(dir: string): string {
  const card = path.join(dir, 'MODEL.md');
  const heading = fs.existsSync(card) ? (fs.readFileSync(card, 'utf8').split('\n')[0] ?? '') : '';
  const m = /version (\d+)/.exec(heading);
  if (m) return `v${m[1]}`;
  return heading.trim() === '# Seq2Seq Studio default model' ? 'v1' : `(${path.basename(path.resolve(dir))})`;
}

async function trainChunk(
  recipe: RecipeV2,
  arm: string,
  opts: {
    corpus: string;
    work: string;
    minutes?: number;
    maxSteps?: number;
    threads?: number;
    resume: boolean;
    /** A new run goes on from this exported model of an earlier run, which trained `minutes`. */
    continueFrom?: { dir: string; minutes: number; lostMinutes?: number };
  },
): Promise<void> {
  const armRecipe = recipe.arms[arm];
  if (!armRecipe) throw new Error(`no arm ${arm} in the recipe; choose one of ${Object.keys(recipe.arms).join(', ')}`);
  const armDir = path.join(opts.work, arm);
  const runDir = path.join(armDir, 'run');
  let chunks = readChunks(armDir);
  if (opts.continueFrom && (opts.resume || chunks.length > 0))
    throw new Error('--continue-from starts a new run; it cannot go with --resume or an arm that has trained here.');
  if (chunks.length > 0 && !opts.resume)
    throw new Error(`${runDir} already trained ${chunks.length} chunk(s); pass --resume to continue it.`);
  if (opts.continueFrom) {
    const meta = readConfigFile(opts.continueFrom.dir).meta;
    // The earlier run's minutes count against the arm's budget, as its first chunk.
    chunks = [
      {
        started: meta.createdAt || new Date().toISOString(),
        minutes: opts.continueFrom.minutes,
        fromStep: 0,
        continuedFrom: path.relative(ROOT, path.resolve(opts.continueFrom.dir)),
      },
      // Training after that model whose result is gone: spent all the same.
      ...(opts.continueFrom.lostMinutes
        ? [
            {
              started: meta.createdAt || '',
              minutes: opts.continueFrom.lostMinutes,
              fromStep: meta.step ?? 0,
              lost: true,
            },
          ]
        : []),
    ];
  }
  const used = chunks.reduce((s, c) => s + trainingMinutesOf(c), 0);
  const minutes = Math.min(recipe.chunkMinutes, opts.minutes ?? Infinity, recipe.totalMinutes - used);
  if (recipe.totalMinutes - used <= DONE_WITHIN_MINUTES) {
    log(`${arm} has trained its ${recipe.totalMinutes} minutes; nothing to do.`);
    return;
  }
  const files = splitFiles(opts.corpus);
  const seed = recipe.seed ?? 1;
  const valid = await validSample(files.valid, opts.work, recipe.validPairsPerLanguage, seed);
  const {
    arms: _arms,
    validPairsPerLanguage: _v,
    defaultArm: _d,
    chunkMinutes: _c,
    totalMinutes: _t,
    lengthRewards: _l,
    reuseSimilarities: _r,
    ...shared
  } = recipe;
  const { engine: armEngine, processes, clock, averageCheckpoints, ...armConfig } = armRecipe;
  if (averageCheckpoints !== undefined && armEngine !== 'native')
    throw new Error(`${arm}: averageCheckpoints is for native arms (the native engine keeps the checkpoints).`);
  const config: TrainConfigFile = {
    ...shared,
    ...armConfig,
    training: {
      ...shared.training,
      ...armRecipe.training,
      ...(opts.maxSteps !== undefined ? { maxSteps: opts.maxSteps } : {}),
      ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    },
  };
  if (armEngine === 'native') {
    const chunk = await nativeChunk({
      runDir,
      files,
      valid,
      config,
      minutes,
      processes: processes ?? opts.threads ?? os.availableParallelism(),
      ...(clock ? { clock } : {}),
      ...(averageCheckpoints !== undefined ? { averageCheckpoints } : {}),
      resume: opts.resume,
      ...(opts.continueFrom ? { continueFrom: opts.continueFrom.dir } : {}),
      log,
    });
    writeChunks(armDir, [...chunks, chunk]);
    return;
  }
  const run = runListener(runDir, log, progressLine, 50);
  try {
    const { trainer, summary } = await prepareTrainJob(
      {
        corpus: files.train,
        validCorpus: valid,
        testCorpus: files.test,
        outDir: runDir,
        config,
        resume: opts.resume,
        ...(opts.continueFrom ? { continueFrom: opts.continueFrom.dir } : {}),
        cacheExamples: true,
      },
      run.listener,
    );
    log(
      `${arm}: ${summary.origin} run at step ${summary.startStep}: ${summary.trainPairs} train / ${summary.validPairs} valid pairs, ` +
        `vocab ${summary.vocabSize}, ${summary.parameters} parameters; chunk of ${minutes.toFixed(0)} min (${used.toFixed(0)} used)`,
    );
    // Training time starts here: reading the corpus and building the neighbours is not counted.
    const started = Date.now();
    await runWithTimeCap(trainer, minutes, log);
    writeChunks(armDir, [
      ...chunks,
      {
        started: new Date(started).toISOString(),
        minutes: (Date.now() - started) / 60_000,
        fromStep: summary.startStep,
        neighbourDropout: config.neighbourDropout ?? 0,
      },
    ]);
  } finally {
    run.close();
  }
}

interface Evaluation {
  readonly minutes: number;
  readonly step: number;
  readonly loss: number;
  /** The loss on the same validation functions without neighbours (native runs). */
  readonly bareLoss?: number;
  /** Built-in runs only. */
  readonly bleu?: number;
  readonly sentenceBleu?: number;
}

/** Each evaluation of an arm's run with the training minutes spent when it was made. */
function evaluations(armDir: string): Evaluation[] {
  const chunks = readChunks(armDir);
  const native = nativeMetrics(armDir);
  if (native) return nativeEvaluations(native, chunks);
  const file = path.join(armDir, 'run', 'metrics.jsonl');
  if (!fs.existsSync(file)) return [];
  const out: Evaluation[] = [];
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as { type: string; time: string } & Partial<Evaluation>;
    if (e.type !== 'evaluation') continue;
    const t = Date.parse(e.time);
    let before = 0;
    let minutes = NaN;
    for (const c of chunks) {
      const start = Date.parse(c.started);
      if (t >= start && t <= start + c.minutes * 60_000 + 60_000) minutes = before + (t - start) / 60_000;
      before += c.minutes;
    }
    if (!Number.isNaN(minutes))
      out.push({
        minutes,
        step: e.step ?? 0,
        loss: e.loss ?? NaN,
        ...(e.bleu !== undefined ? { bleu: e.bleu } : {}),
        ...(e.sentenceBleu !== undefined ? { sentenceBleu: e.sentenceBleu } : {}),
      });
  }
  return out;
}

/**
 * A native run's evaluations (validation losses, with and without neighbours; no BLEU), each at
 * the training time of the step line before it (`elapsedMs` counts the run's training time across
 * its chunks).
 */
function nativeEvaluations(file: string, chunks: readonly Chunk[]): Evaluation[] {
  const out: Evaluation[] = [];
  let elapsedMs = 0;
  let lastStep = 0;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const m = JSON.parse(line) as { step?: number; elapsedMs?: number; validLoss?: number; validLossBare?: number };
    if (m.elapsedMs !== undefined) elapsedMs = m.elapsedMs;
    lastStep = Math.max(lastStep, m.step ?? 0);
    if (m.validLoss !== undefined)
      out.push({
        minutes: elapsedMs / 60_000,
        step: m.step ?? 0,
        loss: m.validLoss,
        ...(m.validLossBare !== undefined ? { bareLoss: m.validLossBare } : {}),
      });
  }
  const perStep = cpuMinutesPerStep(chunks, lastStep);
  // Wall-clock chunks before CPU-clock ones: the same steps (a seeded run trains the same batches
  // whatever the clock) at the rate the CPU-clock chunks measured, so every evaluation is on one clock.
  return perStep === undefined ? out : out.map((e) => ({ ...e, minutes: e.step * perStep }));
}

/**
 * An arm trained partly on the wall clock and partly on the CPU clock: CPU minutes per step of
 * its CPU-clock chunks (undefined when the arm has only one kind of chunk).
 */
function cpuMinutesPerStep(chunks: readonly Chunk[], lastStep: number): number | undefined {
  if (!chunks.some((c) => c.clock === 'cpu') || chunks.every((c) => c.clock === 'cpu')) return undefined;
  let minutes = 0;
  let steps = 0;
  chunks.forEach((c, i) => {
    if (c.clock !== 'cpu') return;
    minutes += trainingMinutesOf(c);
    steps += (chunks[i + 1]?.fromStep ?? lastStep) - c.fromStep;
  });
  return steps > 0 ? minutes / steps : undefined;
}

/** An arm's training minutes on one clock (see nativeEvaluations). */
function armMinutes(armDir: string): number {
  const chunks = readChunks(armDir);
  const metrics = nativeMetrics(armDir);
  const evaluations = metrics ? nativeEvaluations(metrics, chunks) : [];
  const last = evaluations[evaluations.length - 1];
  if (last && cpuMinutesPerStep(chunks, last.step) !== undefined) return last.minutes;
  return chunks.reduce((s, c) => s + trainingMinutesOf(c), 0);
}

function nativeMetrics(armDir: string): string | undefined {
  const file = path.join(armDir, 'run', 'native', 'run', 'metrics.jsonl');
  return fs.existsSync(file) ? file : undefined;
}

/** A table cell: the number, or a dash where there is none. */
const cell = (v: number | undefined, digits: number): string =>
  v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '—';

/** The neighbour dropout an arm's chunks trained with (the rates, when they changed; absent: none). */
const dropoutOf = (chunks: readonly Chunk[]): string =>
  [...new Set(chunks.filter((c) => !c.continuedFrom && !c.lost).map((c) => c.neighbourDropout ?? 0))].join(', ');

/**
 * A study's card section: each arm's evaluations by step (equal steps are equal work for one
 * architecture), with the loss without neighbours, then the choice; or where the study would be.
 */
function studyTable(study: Study, recipeDir: string): string {
  const work = path.resolve(ROOT, study.work);
  const recipe = readRecipe(path.resolve(recipeDir, study.recipe));
  const arms = Object.keys(recipe.arms).filter((a) => readChunks(path.join(work, a)).length > 0);
  const heading = `### ${study.setting} (validation projects)`;
  if (arms.length === 0) return `${heading}\n\nNot trained in this checkout (${study.work}).\n\n${study.why}`;
  const rows = [
    '| arm | neighbour dropout | training minutes | step | valid loss | no workspace |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const arm of arms)
    for (const e of evaluations(path.join(work, arm)))
      rows.push(
        `| ${arm} | ${dropoutOf(readChunks(path.join(work, arm)))} | ${e.minutes.toFixed(1)} | ${e.step} | ` +
          `${e.loss.toFixed(3)} | ${cell(e.bareLoss, 3)} |`,
      );
  return `${heading}\n\n${rows.join('\n')}\n\n${study.why}`;
}

/** The arms at equal training time (the least any arm has had), as a Markdown table. */
function compare(recipe: RecipeV2, work: string, recipeFolder: string): string {
  const all = Object.keys(recipe.arms);
  // Only what trained in this work folder has its evaluations here (not a run continued from a model).
  const hasRun = (a: string) => readChunks(path.join(work, a)).some((c) => !c.continuedFrom);
  const arms = all.filter(hasRun);
  if (arms.length < all.length)
    return (
      inheritedComparison(readChunks(path.join(work, recipe.defaultArm)), ROOT) ??
      `Not compared in this work folder (${all.filter((a) => !hasRun(a)).join(', ')} trained elsewhere or not at all); ` +
        `the comparison that chose the default arm (${recipe.defaultArm}) is in the cards under ${recipeFolder}/runs/.`
    );
  const trained = arms.map((a) => armMinutes(path.join(work, a)));
  const budget = Math.min(...trained);
  log(
    `comparing at ${budget.toFixed(1)} training minutes (each arm: ${arms.map((a, i) => `${a} ${trained[i]!.toFixed(1)}`).join(', ')})`,
  );
  const rows = [
    '| arm | neighbour dropout | evaluations | step | best valid loss | no workspace | BLEU-4 | smoothed BLEU-4 |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const arm of arms) {
    const dropout = dropoutOf(readChunks(path.join(work, arm)));
    const within = evaluations(path.join(work, arm)).filter((e) => e.minutes <= budget + 1e-9);
    const best = within.reduce<Evaluation | undefined>((b, e) => (!b || e.loss < b.loss ? e : b), undefined);
    rows.push(
      best
        ? `| ${arm} | ${dropout} | ${within.length} | ${best.step} | ${best.loss.toFixed(3)} | ${cell(best.bareLoss, 3)} | ` +
            `${cell(best.bleu, 2)} | ${cell(best.sentenceBleu, 2)} |`
        : `| ${arm} | ${dropout} | 0 | | | | | |`,
    );
  }
  const clocks = arms.map((a) => readChunks(path.join(work, a)));
  const converted = arms.filter(
    (_, i) => clocks[i]!.some((c) => c.clock === 'cpu') && clocks[i]!.some((c) => c.clock !== 'cpu'),
  );
  const clockNote = clocks.some((cs) => cs.some((c) => c.clock === 'cpu'))
    ? ' Minutes are CPU minutes of each training process (the machine was shared; this counts the work each arm got)' +
      (converted.length > 0
        ? `; ${converted.join(', ')} also trained on the wall clock earlier, converted at the CPU minutes per step of its CPU-clock chunks`
        : '') +
      '.'
    : '';
  const bareNote =
    '"No workspace": the loss of that evaluation on the same validation functions with no neighbour, ' +
    'as in a folder with no documented function (native runs).';
  return `Each arm's best evaluation within its first ${budget.toFixed(1)} training minutes, the time of the arm that trained least (in all the arms have trained ${arms.map((a, i) => `${a} ${trained[i]!.toFixed(1)}`).join(', ')} minutes; the shipped model's own training is under "Training").${clockNote}\n\n${rows.join('\n')}\n\n${bareNote}`;
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--corpus <dir>', 'corpus folder with train/valid/test.jsonl', path.join(ROOT, '.cache', 'corpus'))
    .option('--work <dir>', 'working folder (one run per arm)', path.join(ROOT, '.cache', 'model-v2'))
    .option('--recipe <file>', 'recipe (default: scripts/model-v2/recipe.json)', RECIPE_FILE)
    .option('--arm <name>', 'architecture to train (a key of the recipe\'s "arms")', 'gru')
    .option('--minutes <n>', 'train at most this long in this chunk')
    .option('--max-steps <n>', "override the recipe's step budget")
    .option('--threads <n>', 'data-parallel training threads (default: the recipe, or 1)')
    .option('--resume', "continue the arm's run", false)
    .option('--compare', 'compare the arms at equal training time; trains nothing', false)
    .option(
      '--default',
      "npm run train:default: the recipe's default arm on every core, one chunk (resuming the run); " +
        "once the arm's minutes are spent, --finish --install",
      false,
    )
    .option(
      '--finish',
      "choose the arm's checkpoint and decoding on validation projects, score the test projects, write MODEL.md",
      false,
    )
    .option(
      '--install',
      'with --finish: install the model (float16 weights) into --target if it beats the bundled model on validation projects',
      false,
    )
    .option(
      '--install-anyway',
      'with --install: install even if the bundled model is better on validation projects',
      false,
    )
    .option('--target <dir>', 'with --install: the model folder to replace', MEDIA_MODEL_DIR)
    .option('--bundled <dir>', "with --finish: today's bundled model, scored beside the new one", MEDIA_MODEL_DIR)
    .option(
      '--earlier <dir>',
      'with --finish: an earlier default model also scored on the test projects (repeatable)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option(
      '--continue-from <dir>',
      "start the arm's run from this exported model of an earlier run of the arm (its checkpoints lost), at its step " +
        '(built-in or native arm: the schedule and the batches go on from that step; the optimizer starts afresh, ' +
        "its moments empty, and the rate ramps up again over the recipe's rewarmSteps); needs --trained-minutes",
    )
    .option(
      '--trained-minutes <n>',
      "with --continue-from: the earlier run's training minutes (its card says; CPU minutes per process for an arm on the CPU clock)",
    )
    .option(
      '--lost-minutes <n>',
      'with --continue-from: minutes the arm trained after that model in runs whose models are lost (they count against the budget)',
    )
    .parse()
    .opts<{
      corpus: string;
      work: string;
      recipe: string;
      arm: string;
      minutes?: string;
      maxSteps?: string;
      threads?: string;
      resume: boolean;
      compare: boolean;
      default: boolean;
      finish: boolean;
      install: boolean;
      installAnyway: boolean;
      target: string;
      bundled: string;
      earlier: string[];
      continueFrom?: string;
      trainedMinutes?: string;
      lostMinutes?: string;
    }>();
  const positive = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!(n > 0)) throw new Error(`${name} must be a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  const recipe = readRecipe(opts.recipe);
  // The recipe's folder as the cards name it (scripts/model-v3): its runs/ hold the earlier cards.
  const recipeFolder = path
    .relative(ROOT, path.dirname(path.resolve(opts.recipe)))
    .split(path.sep)
    .join('/');
  const work = path.resolve(opts.work);
  fs.mkdirSync(work, { recursive: true });
  if (opts.compare) {
    process.stdout.write(`${compare(recipe, work, recipeFolder)}\n`);
    return;
  }
  const choice = await selectBackend({ setting: 'auto' });
  log(choice.reason);
  const arm = opts.default ? recipe.defaultArm : opts.arm;
  if (!recipe.arms[arm])
    throw new Error(`no arm ${arm} in the recipe; choose one of ${Object.keys(recipe.arms).join(', ')}`);
  const finishArm = (install: boolean): Promise<void> => {
    // The bundled model is replaced by --install: score a copy of it (one per set of weights).
    const bundled = path.resolve(opts.bundled);
    const bundledCopy = path.join(work, `bundled-${readConfigFile(bundled).weightsSha256.slice(0, 12)}`);
    if (!hasConfigFile(bundledCopy)) fs.cpSync(bundled, bundledCopy, { recursive: true });
    return finish({
      files: splitFiles(path.resolve(opts.corpus)),
      armDir: path.join(work, arm),
      arm,
      comparison: compare(recipe, work, recipeFolder),
      studies: (recipe.studies ?? []).map((st) => studyTable(st, path.dirname(path.resolve(opts.recipe)))),
      chunks: readChunks(path.join(work, arm)),
      bundled: { dir: bundledCopy, name: `bundled ${modelVersion(bundled)}` },
      earlier: opts.earlier.map((d): ComparedModel => ({ dir: path.resolve(d), name: `earlier ${modelVersion(d)}` })),
      lengthRewards: recipe.lengthRewards ?? [0],
      reuseSimilarities: recipe.reuseSimilarities ?? [null],
      recipeFolder,
      ...(install ? { installInto: path.resolve(opts.target), installAnyway: opts.installAnyway } : {}),
      log,
    });
  };
  if (opts.finish) return finishArm(opts.install);
  prepareTrainingBackend();
  const minutes = positive('--minutes', opts.minutes);
  const maxSteps = positive('--max-steps', opts.maxSteps);
  const threads =
    opts.threads !== undefined
      ? checkThreads(Number(opts.threads))
      : opts.default
        ? os.availableParallelism()
        : undefined;
  const armDir = path.join(work, arm);
  const trained = (): number => readChunks(armDir).reduce((s, c) => s + trainingMinutesOf(c), 0);
  if ((opts.continueFrom === undefined) !== (opts.trainedMinutes === undefined))
    throw new Error('--continue-from and --trained-minutes go together');
  const continueFrom =
    opts.continueFrom !== undefined
      ? {
          dir: path.resolve(opts.continueFrom),
          minutes: positive('--trained-minutes', opts.trainedMinutes)!,
          ...(opts.lostMinutes !== undefined ? { lostMinutes: positive('--lost-minutes', opts.lostMinutes)! } : {}),
        }
      : undefined;
  if (opts.lostMinutes !== undefined && !continueFrom) throw new Error('--lost-minutes goes with --continue-from');
  await trainChunk(recipe, arm, {
    ...(continueFrom ? { continueFrom } : {}),
    corpus: path.resolve(opts.corpus),
    work,
    resume: opts.resume || (opts.default && readChunks(armDir).length > 0),
    ...(minutes !== undefined ? { minutes } : {}),
    ...(maxSteps !== undefined ? { maxSteps } : {}),
    ...(threads !== undefined ? { threads } : {}),
  });
  if (!opts.default) return;
  const left = recipe.totalMinutes - trained();
  if (left > DONE_WITHIN_MINUTES) {
    log(
      `${arm}: ${trained().toFixed(0)} of ${recipe.totalMinutes} training minutes used; ` +
        'run `npm run train:default` again to train the next chunk (it resumes this run).',
    );
    return;
  }
  log(`${arm}: its ${recipe.totalMinutes} training minutes are spent; finishing and installing`);
  await finishArm(true);
}

main().catch((e: unknown) => {
  process.stderr.write(`train:v2: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
