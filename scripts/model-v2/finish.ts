/**
 * The last stage of `npm run train:v2 -- --finish --arm <arm>`: from a trained arm to the
 * default model, every choice made on validation projects and the test projects scored once.
 *
 *  1. Checkpoint: best/ (lowest validation loss), last/ or (a native run that keeps checkpoints)
 *     average/, the mean of its last evaluations' weights, whichever decodes a fixed seeded
 *     sample of validation functions better, each decoded with its project as the workspace: the
 *     smaller of its gains in chrF and smoothed BLEU-4 over the bundled model's comments for the
 *     same functions (the ship decision's two figures, both of which must rise).
 *  2. Decoding: length reward (with its token limit) and the overlap from which a near-copy
 *     neighbour's summary is reused, tuned for the same figures on the same validation sample
 *     (src/training/modelSelection.ts tuneDecoding).
 *  3. Ship decision: the model against the bundled one on other validation functions (each with
 *     its project as the workspace); it replaces it only if ahead on both chrF and smoothed BLEU-4
 *     in at least 80 % of paired bootstrap resamples (the fine-tune guard's margin rule).
 *  4. Test: the held-out test projects, each its own workspace (src/training/projectBenchmark.ts),
 *     against in-project BM25, the function name and today's bundled model.
 *  5. `MODEL.md` and `quality.json` in `<work>/<arm>/final`, with the reader's blind sheet of the
 *     card's side-by-side functions and its key (readerSheet.ts); with `--install`, the folder goes to
 *     media/models/default (or `--target`) with float16 weights and a rehearsal sample for
 *     fine-tuning, written atomically.
 */
import * as fs from 'fs';
import * as path from 'path';

import { loadModel, saveModel } from '../../src/modelFolder/checkpoint';
import { DECODING_DEFAULTS } from '../../src/core/decoding';
import { readCorpus, writeCorpus, type CorpusRecord } from '../../src/mining/dataset';
import { projectOf } from '../../src/retrieval/projectMemory';
import { seededRandom, shuffleInPlace } from '../../src/mining/random';
import { AVERAGE_DIR } from '../../src/training/trainer';
import { REHEARSAL_FILE, TOKENIZER_FILE, hasConfigFile, readConfigFile } from '../../src/modelFolder/format';
import { marginRows, marginVerdict } from '../../src/training/guard';
import {
  BM25_PROJECT,
  generatedName,
  PROJECT_SAMPLE_SEED,
  projectBenchmark,
  projectModelOutputs,
  projectReport,
  projectWorkspaceOf,
  projectWorkspaces,
  sideBySide,
} from '../../src/training/projectBenchmark';
import {
  decodingKey,
  objectiveName,
  selectCheckpoint,
  tuneDecoding,
  type LengthRewardOption,
} from '../../src/training/modelSelection';
import { seededPerLanguageSample } from '../../src/training/quality';
import { READER_KEY_FILE, READER_SHEET_FILE, readerSheet } from './readerSheet';

/** Validation functions per language for the checkpoint and decoding choices. */
export const SELECTION_PER_LANGUAGE = 30;
/** Test functions per language scored for the card. */
export const TEST_PER_LANGUAGE = 150;
/** Validation functions per language for the ship decision (apart from the selection sample). */
export const DECISION_PER_LANGUAGE = 40;
/** Pairs of the training split shipped for fine-tuning's rehearsal: whole projects, so they have neighbours. */
export const REHEARSAL_PAIRS = 1000;

/** The card's heading above the architectures' comparison. */
export const COMPARISON_HEADING = '### Architectures at equal training time (validation projects)';

/**
 * The comparison in the card of the model a run continued from (its first chunk's
 * `continuedFrom`, relative to `root`), when that card has one: a continued run's work folder
 * holds none of the earlier evaluations.
 */
export function inheritedComparison(chunks: readonly Chunk[], root: string): string | undefined {
  const from = chunks[0]?.continuedFrom;
  const card = from ? path.join(root, from, 'MODEL.md') : undefined;
  if (!card || !fs.existsSync(card)) return undefined;
  const text = fs.readFileSync(card, 'utf8');
  const start = text.indexOf(COMPARISON_HEADING);
  if (start < 0) return undefined;
  const body = text
    .slice(start + COMPARISON_HEADING.length)
    .split(/\n#{1,3} /)[0]!
    .trim();
  if (!body || body.startsWith('Not compared')) return undefined;
  if (body.startsWith('From the card')) return body; // that card had it from an earlier one
  return `From the card of the model this run continued (\`${from}\`), which trained both arms:\n\n${body}`;
}

/** The model decoding with no workspace (the editor in a folder with no documented function). */
export const NO_WORKSPACE = 'model, no workspace';

/** A model scored beside the new one, and its name in the tables. */
export interface ComparedModel {
  readonly dir: string;
  readonly name: string;
}

/** Training minutes of one invocation; `continuedFrom`: minutes of an earlier run whose exported model this run went on from. */
export interface Chunk {
  readonly started: string;
  readonly minutes: number;
  readonly fromStep: number;
  readonly continuedFrom?: string;
  /** Minutes of a run whose model is lost (spent, counted against the budget, nothing kept from them). */
  readonly lost?: boolean;
  /** The share of training pairs the recipe gave no neighbour in this chunk (absent: none). */
  readonly neighbourDropout?: number;
  /** Where the chunk trained (absent: the built-in engine on this project's machine). */
  readonly engine?: string;
  /**
   * `cpu`: the native trainer's budget counted each process's CPU time, so that arms trained on a
   * shared machine compare at equal work; `trainingMinutes` is that time, `minutes` the wall time.
   */
  readonly clock?: 'cpu';
  readonly trainingMinutes?: number;
}

/** A chunk's training minutes by its own clock (CPU minutes for `clock: 'cpu'`, else wall minutes). */
export const trainingMinutesOf = (c: Chunk): number => c.trainingMinutes ?? c.minutes;

/** How the card lists a chunk. */
export const chunkText = (c: Chunk): string =>
  (c.continuedFrom
    ? `${c.minutes.toFixed(0)} min from step ${c.fromStep} in an earlier run whose checkpoints are gone, continued from the model it exported on ${c.started.slice(0, 10)}`
    : c.lost
      ? `${c.minutes.toFixed(0)} min from step ${c.fromStep} in a continuation whose model is lost (spent, nothing kept)`
      : c.clock === 'cpu'
        ? `${trainingMinutesOf(c).toFixed(0)} CPU min per process (${c.minutes.toFixed(0)} min on the clock) from step ${c.fromStep}`
        : `${c.minutes.toFixed(0)} min from step ${c.fromStep}`) +
  (c.neighbourDropout
    ? ` with ${Math.round(c.neighbourDropout * 100)} % of the training pairs given no neighbour`
    : '') +
  (c.engine ? ` on the ${c.engine}` : '');

export interface FinishOptions {
  readonly files: { readonly train: string; readonly valid: string; readonly test: string };
  readonly armDir: string;
  readonly arm: string;
  /** The arms' comparison at equal training time (Markdown), for the card. */
  readonly comparison: string;
  /** The recipe's studies of single settings (Markdown sections), for the card's choices. */
  readonly studies?: readonly string[];
  /** The training chunks, for the card. */
  readonly chunks: readonly Chunk[];
  /** Today's bundled model (a copy of it), scored beside the new one; `name` is its system's name. */
  readonly bundled: ComparedModel;
  /** Earlier models scored beside it on the test projects (not in the ship decision). */
  readonly earlier?: readonly ComparedModel[];
  readonly lengthRewards: readonly (number | LengthRewardOption)[];
  readonly reuseSimilarities: readonly (number | null)[];
  /** The recipe's folder relative to the repository (`scripts/model-v3`): the card's version and command. */
  readonly recipeFolder: string;
  /**
   * Install the model here (float16 weights, with a rehearsal sample) when it beats the bundled
   * model on validation projects (or `installAnyway`); absent: do not install.
   */
  readonly installInto?: string;
  readonly installAnyway?: boolean;
  readonly log: (line: string) => void;
}

/** The model version a recipe folder builds: 3 for `scripts/model-v3`. */
export function recipeVersion(folder: string): string {
  return /model-v(\d+)$/.exec(folder)?.[1] ?? path.basename(folder);
}

/** Whole training projects, drawn with a fixed seed, until `n` pairs: rehearsal pairs that have neighbours. */
export function rehearsalProjects(train: readonly CorpusRecord[], n: number, seed = 1): CorpusRecord[] {
  const byProject = new Map<string, CorpusRecord[]>();
  for (const r of train) {
    const key = projectOf(r);
    let list = byProject.get(key);
    if (!list) byProject.set(key, (list = []));
    list.push(r);
  }
  const out: CorpusRecord[] = [];
  for (const project of shuffleInPlace([...byProject.keys()].sort(), seededRandom(seed))) {
    const records = byProject.get(project)!;
    if (records.length < 2 || records.length > n / 4) continue; // neighbours, and no project dominates
    out.push(...records);
    if (out.length >= n) break;
  }
  return out;
}

/** What the card says about average/, when the run has one: which steps it is the mean of. */
function averagedNote(runDir: string): string {
  const dir = path.join(runDir, AVERAGE_DIR);
  const steps = hasConfigFile(dir) ? readConfigFile(dir).meta.averagedSteps : undefined;
  return steps ? ` (average: the mean of the weights at steps ${steps.join(', ')}, checkpoint averaging)` : '';
}

export async function finish(o: FinishOptions): Promise<void> {
  const runDir = path.join(o.armDir, 'run');
  const finalDir = path.join(o.armDir, 'final');
  const validRecords = await readCorpus(o.files.valid);
  const selection = seededPerLanguageSample(validRecords, SELECTION_PER_LANGUAGE, PROJECT_SAMPLE_SEED);
  const validWorkspaces = projectWorkspaces(validRecords);
  const validWorkspaceOf = projectWorkspaceOf(validWorkspaces);
  // Checkpoint and decoding are chosen for what the ship decision asks: higher chrF and higher
  // smoothed BLEU-4 than the bundled model (the smaller gain), on the selection functions.
  o.log(`decoding ${selection.length} validation functions with the bundled model`);
  const against = (await projectModelOutputs(o.bundled.dir, selection, validWorkspaces)).outputs;
  const objective = { against };
  o.log(`choosing the checkpoint on ${selection.length} validation functions`);
  const choosing = { workspaceOf: validWorkspaceOf, objective, log: o.log };
  const choice = await selectCheckpoint(runDir, selection, choosing);
  fs.rmSync(finalDir, { recursive: true, force: true });
  fs.cpSync(choice.dir, finalDir, { recursive: true });
  o.log(`kept ${path.basename(choice.dir)}; tuning decoding`);
  const tuned = await tuneDecoding(finalDir, selection, o.lengthRewards, o.reuseSimilarities, choosing);

  // Ship or not, decided on validation functions the choices above did not see.
  const chosen = new Set(selection);
  const decisionPairs = seededPerLanguageSample(
    validRecords.filter((r) => !chosen.has(r)),
    DECISION_PER_LANGUAGE,
    PROJECT_SAMPLE_SEED + 1,
  );
  o.log(`comparing with the bundled model on ${decisionPairs.length} other validation functions`);
  const decided = await projectBenchmark(
    [
      { name: 'model', dir: finalDir, decoding: DECODING_DEFAULTS },
      { name: o.bundled.name, dir: o.bundled.dir, decoding: DECODING_DEFAULTS },
    ],
    decisionPairs,
    validWorkspaces,
    undefined,
    200,
  );
  const overall = (system: string) => decided.rows.find((r) => r.language === 'all' && r.system === system)!;
  const [mine, theirs] = [overall('model'), overall(o.bundled.name)];
  // The margin rule of the fine-tune guard: ahead on both metrics in >= 80 % of paired resamples.
  const verdict = marginVerdict(
    marginRows(
      decisionPairs.map((r) => r.summary),
      decided.systems[o.bundled.name]!,
      decided.systems.model!,
    ),
  );
  const ships = verdict.ahead;
  const decision =
    `On ${decisionPairs.length} other validation functions (at most ${DECISION_PER_LANGUAGE} per language, each with its project as the workspace): ` +
    `chrF ${mine.chrf.toFixed(2)} vs ${theirs.chrf.toFixed(2)}, smoothed BLEU-4 ${mine.sentenceBleu.toFixed(2)} vs ${theirs.sentenceBleu.toFixed(2)} ` +
    `for the bundled model; ahead on chrF in ${(100 * verdict.shares.chrf).toFixed(1)}% and on smoothed BLEU-4 in ` +
    `${(100 * verdict.shares.sentenceBleu).toFixed(1)}% of ${verdict.shares.samples} paired bootstrap resamples: ` +
    `${ships ? 'it replaces the bundled model' : 'the bundled model stays'} ` +
    `(the rule: ahead on both in at least ${Math.round(100 * verdict.shares.required)}% of the resamples).`;
  o.log(decision);

  const testRecords = await readCorpus(o.files.test);
  const pairs = seededPerLanguageSample(testRecords, TEST_PER_LANGUAGE, PROJECT_SAMPLE_SEED);
  o.log(`scoring ${pairs.length} test functions (once)`);
  const result = await projectBenchmark(
    [
      { name: 'model', dir: finalDir, decoding: DECODING_DEFAULTS },
      ...[o.bundled, ...(o.earlier ?? [])].map((m) => ({ name: m.name, dir: m.dir, decoding: DECODING_DEFAULTS })),
      { name: NO_WORKSPACE, dir: finalDir, decoding: DECODING_DEFAULTS, withoutWorkspace: true },
    ],
    pairs,
    projectWorkspaces(testRecords),
    (m, n) => n % 300 === 0 && o.log(`${m}: ${n}/${pairs.length}`),
  );
  const { meta, model } = await loadModel(finalDir);
  model.dispose();
  const minutes = o.chunks.reduce((s, c) => s + trainingMinutesOf(c), 0);
  const card = [
    `# Seq2Seq Studio default model, version ${recipeVersion(o.recipeFolder)}`,
    '',
    `Architecture \`${o.arm}\`, trained by \`npm run train:v${recipeVersion(o.recipeFolder)}\` (${o.recipeFolder}) on the corpus of \`npm run corpus:build\` ` +
      '(scripts/corpus/CORPUS.md), split by project, with each function given the summary of the most similar documented ' +
      "function of its own project's other files (graded same / similar / unlike), as the workspace index gives it in the editor. " +
      "The model ships no memory of its own: its neighbours come from the user's workspace.",
    '',
    '## Training',
    '',
    `${minutes.toFixed(0)} minutes of training in ${o.chunks.length} chunk(s) on this project's 2-core machine ` +
      `(${o.chunks.map(chunkText).join(', ')}), ` +
      `${String(meta.step ?? '?')} steps.`,
    '',
    COMPARISON_HEADING,
    '',
    o.comparison,
    '',
    '## Choices made on validation projects',
    '',
    ...(o.studies ?? []).flatMap((st) => [st, '']),
    `Checkpoint: ${Object.entries(choice.scores)
      .map(([k, v]) => `${k} ${v.toFixed(2)}`)
      .join(', ')} (${objectiveName(objective)}, ${selection.length} functions); ` +
      `kept ${path.basename(choice.dir)}.${averagedNote(runDir)}`,
    '',
    `Decoding: beam ${DECODING_DEFAULTS.beamSize}, length penalty ${DECODING_DEFAULTS.lengthPenalty}; kept ` +
      `${decodingKey(
        {
          reward: tuned.lengthReward,
          ...(tuned.lengthRewardLimit !== undefined ? { limit: tuned.lengthRewardLimit } : {}),
        },
        tuned.reuseSimilarity,
      )} (the ${objectiveName(objective)}, on the same functions):`,
    '',
    `| setting | ${objectiveName(objective)} |`,
    '|---|---:|',
    ...tuned.tried.map((t) => `| ${decodingKey(t.option, t.reuse)} | ${t.score.toFixed(2)} |`),
    '',
    '## Ship decision (validation projects)',
    '',
    decision,
    '',
    `## Test projects (${pairs.length} functions, at most ${TEST_PER_LANGUAGE} per language, seeded sample; scored once)`,
    '',
    `"model" is what the extension inserts; "${generatedName('model')}" the beam's own output (no reuse); ` +
      `"${BM25_PROJECT}" the summary of the most similar documented function of another file of the same project; ` +
      `"${o.bundled.name}" the model this one replaces, given the same workspace` +
      ((o.earlier ?? []).length > 0
        ? `; ${o.earlier!.map((m) => `"${m.name}"`).join(', ')} an earlier default model, the same way`
        : '') +
      `; "${NO_WORKSPACE}" the model given no workspace at all (no neighbour), as in a folder with no doc comments.`,
    '',
    projectReport(result),
    '',
    `${result.outputs.model!.reused} of ${pairs.length} outputs reused a neighbour's summary; ` +
      `${Math.round(result.outputs.model!.msPerPair)} ms per function (beam ${DECODING_DEFAULTS.beamSize}, this machine).`,
    '',
    '## 20 test functions per language, side by side (seeded, fixed before any result)',
    '',
    sideBySide(pairs, result.systems, ['model', generatedName('model'), NO_WORKSPACE, BM25_PROJECT, o.bundled.name]),
  ].join('\n');
  fs.writeFileSync(path.join(finalDir, 'MODEL.md'), `${card}\n`);
  fs.writeFileSync(
    path.join(finalDir, 'quality.json'),
    `${JSON.stringify({ decoding: DECODING_DEFAULTS, tuned, rows: result.rows, bootstrap: result.bootstrap, bootstrapGenerated: result.bootstrapGenerated }, null, 2)}\n`,
  );
  o.log(`card written: ${path.join(finalDir, 'MODEL.md')}`);
  const reader = readerSheet(pairs, result.systems, ['model', o.bundled.name, NO_WORKSPACE], PROJECT_SAMPLE_SEED);
  fs.writeFileSync(path.join(finalDir, READER_SHEET_FILE), `${reader.sheet}\n`);
  fs.writeFileSync(path.join(finalDir, READER_KEY_FILE), `${JSON.stringify(reader.key, null, 2)}\n`);
  o.log(
    `judge ${READER_SHEET_FILE} before reading MODEL.md's tables (tick what a reader keeps), ` +
      `then count: node out/scripts/model-v2/readerCount.js ${finalDir}`,
  );
  if (!o.installInto) return;
  if (!ships && !o.installAnyway) {
    o.log(
      `not installed: the bundled model is better on validation projects (pass --install-anyway to install it all the same)`,
    );
    return;
  }

  const rehearsal = path.join(o.armDir, REHEARSAL_FILE);
  writeCorpus(rehearsal, rehearsalProjects(await readCorpus(o.files.train), REHEARSAL_PAIRS));
  const loaded = await loadModel(finalDir);
  try {
    const extra = (name: string, from = finalDir) => [name, fs.readFileSync(path.join(from, name))] as const;
    await saveModel(loaded.model, o.installInto, loaded.meta, {
      float16: true,
      extraFiles: Object.fromEntries([
        extra(TOKENIZER_FILE),
        extra('MODEL.md'),
        extra('quality.json'),
        extra(REHEARSAL_FILE, o.armDir),
      ]),
    });
  } finally {
    loaded.model.dispose();
  }
  o.log(`installed into ${o.installInto} (float16 weights)`);
}
