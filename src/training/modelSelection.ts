/**
 * Choosing what ships from a training run, on validation pairs decoded as the extension decodes:
 * the checkpoint (best/ or last/, {@link selectCheckpoint}) and the decoding settings (length
 * reward and the overlap from which a near-copy's summary is reused, {@link tuneDecoding}), which
 * are written into the model's config.json. Used by train:v2 and train:v3; progress lines go
 * to `log` (standard error by default).
 */
import * as path from 'path';

import { DECODING_DEFAULTS, type TunedDecoding } from '../core/decoding';
import type { CorpusRecord } from '../mining/dataset';
import { array, either, nullable, number, object, optional } from '../files/schema';
import { hasConfigFile, writeDecodingMeta } from '../modelFolder/format';
import { nameBaseline } from '../retrieval/retrieval';
import { ModelRunner, reusableSummary } from '../inference/modelRunner';
import { modelPredictions, type WorkspaceOf } from './predictions';
import { scoreSystems } from './quality';
import { AVERAGE_DIR, BEST_DIR, LAST_DIR } from './trainer';

const stderrLog = (s: string): void => void process.stderr.write(`${s}\n`);

export interface LengthRewardOption {
  readonly reward: number;
  /** Tokens past this many earn no reward. */
  readonly limit?: number;
}

/** A recipe's decoding grid, tried by {@link tuneDecoding} (the recipes of train:v2 and train:v3). */
export interface DecodingGrid {
  /**
   * Length rewards (beam search's bonus per output token, optionally only up to `limit` tokens)
   * tried on the selection pairs with the kept checkpoint.
   */
  readonly lengthRewards?: readonly (number | LengthRewardOption)[];
  /**
   * Code overlaps (Dice of code subtokens) from which the model reuses its neighbour's summary;
   * null: never. Tried with every length reward.
   */
  readonly reuseSimilarities?: readonly (number | null)[];
}

/** The checks of {@link DecodingGrid}'s fields, for a recipe's schema. */
export const DECODING_GRID_FIELDS = {
  lengthRewards: optional(
    array(either('a number or { "reward", "limit" }', number, object({ reward: number, limit: optional(number) }))),
  ),
  reuseSimilarities: optional(array(nullable(number))),
};

/**
 * What the checkpoint and the decoding are chosen for.
 *  - `'margin'` (the default; the first model's rule): the checkpoint by the mean over languages
 *    of the mean of corpus and smoothed sentence BLEU-4; the decoding by the smallest margin over
 *    the baselines ({@link marginScore}).
 *  - `'chrf-sbleu'` (train:v2, train:default): both by the mean of chrF and smoothed sentence
 *    BLEU-4 over all the pairs, the two figures v2's ship decision and its benchmark compare. Per-language corpus
 *    BLEU-4 on ~30 pairs is mostly its zero floor, and a smallest margin over languages follows
 *    whichever small language is noisiest; chrF (recall-weighted) also sees the comments that are
 *    too short, which smoothed sentence BLEU barely penalises.
 *  - `{ against }` (train:v2's finish): the smaller of the two gains, in chrF and in smoothed
 *    sentence BLEU-4, over `against` (another model's outputs for the same pairs, in order: the
 *    bundled model's). v2's ship rule asks for both to be higher; under the mean, a longer output
 *    buys chrF with BLEU and the rule then refuses it.
 */
export type SelectionObjective = 'margin' | 'chrf-sbleu' | { readonly against: readonly string[] };

/** How the logs and cards name what `objective` scores. */
export function objectiveName(objective: SelectionObjective): string {
  if (objective === 'margin') return 'smallest margin over the baselines';
  if (objective === 'chrf-sbleu') return 'mean of chrF and smoothed BLEU-4';
  return 'smaller of the gains in chrF and smoothed BLEU-4 over the bundled model';
}

export interface SelectionOptions {
  /** Each pair's workspace (a project-scoped model's neighbours); absent: the model's own memory. */
  readonly workspaceOf?: WorkspaceOf;
  /** Default 'margin'. */
  readonly objective?: SelectionObjective;
  /** Progress lines; default standard error. */
  readonly log?: (line: string) => void;
}

/** chrF and smoothed sentence BLEU-4 over all the pairs. */
function chrfSentenceBleu(valid: readonly CorpusRecord[], outputs: readonly string[]): { chrf: number; sbleu: number } {
  const all = scoreSystems(valid, { model: outputs }).find((r) => r.language === 'all')!;
  return { chrf: all.chrf, sbleu: all.sentenceBleu };
}

/** The score of `outputs` under `objective` when it is not 'margin'. */
function pairedScore(
  valid: readonly CorpusRecord[],
  outputs: readonly string[],
  objective: Exclude<SelectionObjective, 'margin'>,
): number {
  const mine = chrfSentenceBleu(valid, outputs);
  if (objective === 'chrf-sbleu') return (mine.chrf + mine.sbleu) / 2;
  if (objective.against.length !== valid.length)
    throw new Error(`${objective.against.length} outputs to compare against for ${valid.length} pairs`);
  const theirs = chrfSentenceBleu(valid, objective.against);
  return Math.min(mine.chrf - theirs.chrf, mine.sbleu - theirs.sbleu);
}

/** The checkpoint score under `objective`. */
function selectionScore(
  valid: readonly CorpusRecord[],
  outputs: readonly string[],
  objective: SelectionObjective,
): number {
  if (objective !== 'margin') return pairedScore(valid, outputs, objective);
  const rows = scoreSystems(valid, { model: outputs }).filter((r) => r.language !== 'all');
  return rows.reduce((s, r) => s + (r.bleu + r.sentenceBleu) / 2, 0) / Math.max(1, rows.length);
}

/**
 * The generated output for each pair (no reuse) at `option`'s length reward. Every setting is
 * explicit, so what an earlier tuning stored in the model's config.json does not leak in.
 */
function generatedOutputs(
  runner: ModelRunner,
  valid: readonly CorpusRecord[],
  option: LengthRewardOption,
  workspaceOf?: WorkspaceOf,
): string[] {
  return modelPredictions(
    runner,
    valid,
    {
      ...DECODING_DEFAULTS,
      lengthReward: option.reward,
      lengthRewardLimit: option.limit ?? Infinity,
      reuseSimilarity: null,
    },
    undefined,
    workspaceOf,
  ).outputs;
}

/** The tuned decoding {@link tuneDecoding} kept, with what every setting it tried scored. */
export interface TunedDecodingChoice extends TunedDecoding {
  readonly lengthReward: number;
  readonly reuseSimilarity: number | null;
  /** Score per setting tried (under the objective), keyed by {@link decodingKey}. */
  readonly scores: Record<string, number>;
  /** The same, in the order tried. */
  readonly tried: readonly {
    readonly option: LengthRewardOption;
    readonly reuse: number | null;
    readonly score: number;
  }[];
}

export const decodingKey = (option: LengthRewardOption, reuse: number | null): string =>
  `reward ${option.reward}${option.limit !== undefined ? ` up to ${option.limit} tokens` : ''}, reuse ${reuse === null ? 'never' : `from ${reuse}`}`;

/**
 * The decoding score: the smallest margin of the model over the baselines (the neighbour's
 * summary, as BM25 retrieval answers, and the function's name in words), over languages and both
 * BLEU variants. The benchmark asks the model to beat both baselines on both in every language,
 * so decoding is tuned for the weakest of those comparisons.
 */
function marginScore(valid: readonly CorpusRecord[], outputs: readonly string[], bm25: readonly string[]): number {
  const rows = scoreSystems(valid, { model: outputs, bm25, name: valid.map((r) => nameBaseline(r.name)) });
  let worst = Infinity;
  for (const m of rows.filter((r) => r.system === 'model' && r.language !== 'all'))
    for (const b of rows.filter((r) => r.system !== 'model' && r.language === m.language))
      worst = Math.min(worst, m.bleu - b.bleu, m.sentenceBleu - b.sentenceBleu);
  return worst;
}

/**
 * Decodes the selection pairs once per length reward; for each, scores every reuse threshold
 * (reuse replaces the output by the neighbour's summary exactly as ModelRunner does, so no
 * second decode is needed) under the objective ({@link SelectionObjective}). Keeps the best
 * setting (the first on ties, so list the plain ones first) and writes it into the model's
 * `config.json` as `meta.decoding` (atomically).
 */
export async function tuneDecoding(
  modelDir: string,
  valid: readonly CorpusRecord[],
  rewards: readonly (number | LengthRewardOption)[],
  reuses: readonly (number | null)[],
  { workspaceOf, objective = 'margin', log = stderrLog }: SelectionOptions = {},
): Promise<TunedDecodingChoice> {
  const options = rewards.map((r) => (typeof r === 'number' ? { reward: r } : r));
  const tried: TunedDecodingChoice['tried'][number][] = [];
  let best: { option: LengthRewardOption; reuse: number | null; score: number } | undefined;
  const runner = await ModelRunner.load(modelDir);
  try {
    const neighbours = valid.map(
      (r) => runner.encodeSource({ direction: 'code2doc', text: r.code }, workspaceOf?.(r)).neighbour,
    );
    const bm25 = neighbours.map((n) => n?.summary ?? '');
    for (const option of options) {
      const generated = generatedOutputs(runner, valid, option, workspaceOf);
      for (const reuse of reuses) {
        const outputs = generated.map((g, i) => reusableSummary(neighbours[i], reuse) ?? g);
        const score =
          objective === 'margin' ? marginScore(valid, outputs, bm25) : pairedScore(valid, outputs, objective);
        tried.push({ option, reuse, score });
        log(
          `${decodingKey(option, reuse)}: ${objectiveName(objective)} ${score.toFixed(2)} on ${valid.length} validation pairs`,
        );
        if (!best || score > best.score) best = { option, reuse, score };
      }
    }
  } finally {
    runner.dispose();
  }
  if (!best) throw new Error('no decoding settings to tune');
  const decoding = {
    lengthReward: best.option.reward,
    ...(best.option.limit !== undefined ? { lengthRewardLimit: best.option.limit } : {}),
    reuseSimilarity: best.reuse,
  };
  writeDecodingMeta(modelDir, decoding);
  const scores = Object.fromEntries(tried.map((t) => [decodingKey(t.option, t.reuse), t.score]));
  return { ...decoding, scores, tried };
}

export interface CheckpointChoice {
  readonly dir: string;
  /** Per candidate folder: its score on the selection pairs under the objective. */
  readonly scores: Record<string, number>;
}

/**
 * Scores best/, last/ and, where a native run wrote it, average/ (the mean of its last evaluations'
 * weights) on validation pairs decoded as the extension decodes (no length reward, no reuse) under
 * the objective ({@link SelectionObjective}) and returns the best.
 */
export async function selectCheckpoint(
  runDir: string,
  valid: readonly CorpusRecord[],
  { workspaceOf, objective = 'margin', log = stderrLog }: SelectionOptions = {},
): Promise<CheckpointChoice> {
  const candidates = [BEST_DIR, LAST_DIR, AVERAGE_DIR].map((d) => path.join(runDir, d)).filter(hasConfigFile);
  if (candidates.length === 0) throw new Error(`${runDir} has no checkpoint; train first.`);
  const scores: Record<string, number> = {};
  for (const dir of candidates) {
    const runner = await ModelRunner.load(dir);
    try {
      scores[path.basename(dir)] = selectionScore(
        valid,
        generatedOutputs(runner, valid, { reward: 0 }, workspaceOf),
        objective,
      );
    } finally {
      runner.dispose();
    }
    log(
      `checkpoint ${path.basename(dir)}: ${scores[path.basename(dir)]!.toFixed(2)} on ${valid.length} validation pairs`,
    );
  }
  const dir = candidates.reduce((a, b) => (scores[path.basename(b)]! > scores[path.basename(a)]! ? b : a));
  return { dir, scores };
}
