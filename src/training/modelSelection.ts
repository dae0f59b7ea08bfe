/**
 * Choosing what ships from a training run, on validation pairs decoded as the extension decodes:
 * the checkpoint (best/ or last/, {@link selectCheckpoint}) and the decoding settings (length
 * reward and the overlap from which a near-copy's summary is reused, {@link tuneDecoding}), which
 * are written into the model's config.json. Used by train:default and train:v2; progress lines go
 * to `log` (standard error by default).
 */
import * as path from 'path';

import type { CorpusRecord } from '../data/dataset';
import { hasConfigFile, writeDecodingMeta } from '../data/modelFolder';
import { nameBaseline } from '../data/retrieval';
import { ModelRunner, reusableSummary } from '../inference/modelRunner';
import { EXTENSION_DECODING, modelPredictions, type WorkspaceOf } from './predictions';
import { scoreSystems } from './quality';
import { BEST_DIR, LAST_DIR } from './trainer';

const stderrLog = (s: string): void => void process.stderr.write(`${s}\n`);

export interface LengthRewardOption {
  readonly reward: number;
  /** Tokens past this many earn no reward. */
  readonly limit?: number;
}

/** The selection score: the mean over languages of the mean of corpus and smoothed sentence BLEU-4. */
function selectionScore(valid: readonly CorpusRecord[], outputs: readonly string[]): number {
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
      ...EXTENSION_DECODING,
      lengthReward: option.reward,
      lengthRewardLimit: option.limit ?? Infinity,
      reuseSimilarity: null,
    },
    undefined,
    workspaceOf,
  ).outputs;
}

export interface DecodingChoice {
  readonly lengthReward: number;
  readonly lengthRewardLimit?: number;
  readonly reuseSimilarity: number | null;
  /** Score per setting tried (the smallest margin over the baselines), keyed by {@link decodingKey}. */
  readonly scores: Record<string, number>;
  /** The same, in the order tried. */
  readonly tried: readonly {
    readonly option: LengthRewardOption;
    readonly reuse: number | null;
    readonly score: number;
  }[];
}

/** The kept setting's {@link decodingKey}. */
export const keptDecodingKey = (d: Omit<DecodingChoice, 'scores' | 'tried'>): string =>
  decodingKey(
    { reward: d.lengthReward, ...(d.lengthRewardLimit !== undefined ? { limit: d.lengthRewardLimit } : {}) },
    d.reuseSimilarity,
  );

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
 * second decode is needed) by {@link marginScore}. Keeps the best setting (the first on ties, so
 * list the plain ones first) and writes it into the model's `config.json` as `meta.decoding`
 * (atomically). `workspaceOf`: each pair's workspace (a project-scoped model's neighbours);
 * without it, the model's own memory.
 */
export async function tuneDecoding(
  modelDir: string,
  valid: readonly CorpusRecord[],
  rewards: readonly (number | LengthRewardOption)[],
  reuses: readonly (number | null)[],
  workspaceOf?: WorkspaceOf,
  log: (line: string) => void = stderrLog,
): Promise<DecodingChoice> {
  const options = rewards.map((r) => (typeof r === 'number' ? { reward: r } : r));
  const tried: DecodingChoice['tried'][number][] = [];
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
        const score = marginScore(valid, outputs, bm25);
        tried.push({ option, reuse, score });
        log(
          `${decodingKey(option, reuse)}: smallest margin over the baselines ${score.toFixed(2)} on ${valid.length} validation pairs`,
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
  /**
   * Per candidate folder: the mean over languages of the mean of corpus and smoothed sentence
   * BLEU-4 on the selection pairs.
   */
  readonly scores: Record<string, number>;
}

/**
 * Scores best/ and last/ on validation pairs (both BLEUs averaged, languages weighted equally,
 * as the benchmark judges each language) and returns the better one.
 */
export async function selectCheckpoint(
  runDir: string,
  valid: readonly CorpusRecord[],
  workspaceOf?: WorkspaceOf,
  log: (line: string) => void = stderrLog,
): Promise<CheckpointChoice> {
  const candidates = [BEST_DIR, LAST_DIR].map((d) => path.join(runDir, d)).filter(hasConfigFile);
  if (candidates.length === 0) throw new Error(`${runDir} has no checkpoint; train first.`);
  const scores: Record<string, number> = {};
  for (const dir of candidates) {
    const runner = await ModelRunner.load(dir);
    try {
      scores[path.basename(dir)] = selectionScore(valid, generatedOutputs(runner, valid, { reward: 0 }, workspaceOf));
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
