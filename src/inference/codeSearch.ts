/**
 * Find code by description: BM25 over the workspace index proposes candidates, and the model
 * re-ranks them by how well the description fits each one (the noisy-channel idea of
 * translation re-ranking). The main signal is the code → comment direction's length-normalised
 * log-probability of the description given the candidate's code, p(sentence | code), which a
 * model that writes comments judges far better than it writes code; the comment → code
 * direction's p(code | sentence) can be added. Scores of one query are z-normalised over its
 * candidates before they are weighted, so the weights do not depend on the scales of BM25 and
 * log-probabilities. All candidates go through the model as one teacher-forced batch.
 *
 * A user sees single queries, not averages: when the re-ranking puts first a candidate that BM25
 * ranked low and the model barely prefers it to its runner-up, the re-ranking is more often wrong
 * than right, so BM25's order is kept for that query ({@link KEYWORD_GUARD}).
 */
import * as tf from '@tensorflow/tfjs';
import { batchToTensors, disposeBatch } from '../core/batch';
import type { Seq2SeqModel } from '../core/model';
import { BOS_ID, EOS_ID, PAD_ID, directionTokenId } from '../core/specialTokens';
import type { FunctionIndex, IndexedFunction, IndexHit } from '../retrieval/functionIndex';
import { normaliseText } from '../tokenizer/preTokenizer';

/** How the final score weighs BM25 and the model's two directions (z-scores within a query). */
export interface RerankWeights {
  readonly bm25: number;
  readonly code2doc: number;
  readonly doc2code: number;
}

/**
 * Chosen for the bundled model on the corpus's validation projects by `npm run bench:search --
 * --corpus .cache/corpus --shortlists 20` (the best macro MRR over the weight grid when BM25's top
 * {@link DEFAULT_CANDIDATES} are re-ranked).
 */
export const DEFAULT_RERANK_WEIGHTS: RerankWeights = { bm25: 0.1, code2doc: 0.9, doc2code: 0 };

/**
 * Candidates BM25 hands to the model: the largest shortlist bench:search measured under 300 ms p50
 * over a 5,000-function index with the bundled model on one wasm thread (10: 140 ms, 20: 247 ms,
 * 30: 358 ms, 50: 568 ms). The model's cost grows linearly with it.
 */
export const DEFAULT_CANDIDATES = 20;

/**
 * When a query keeps BM25's order: the re-ranked first result came from BM25's rank
 * `minDisplacement` or lower (a strong disagreement), and the model's own z-score lead of its
 * first candidate over its second is under `maxModelMargin` (the model is unsure).
 */
export interface KeywordGuard {
  readonly minDisplacement: number;
  readonly maxModelMargin: number;
}

/**
 * Chosen on the corpus's validation projects by `npm run bench:search` for the bundled model v3
 * (bench/search/README.md: the grid, the objective and the figures; {11, 0.3} was v2's).
 */
export const KEYWORD_GUARD: KeywordGuard = { minDisplacement: 3, maxModelMargin: 0.2 };

/** Never keeps BM25's order (the re-ranking as it was). */
export const NO_KEYWORD_GUARD: KeywordGuard = { minDisplacement: Infinity, maxModelMargin: -Infinity };

/**
 * Whether a query keeps BM25's order under `guard`: `combined` are the weighted scores and
 * `model` the model's z-scores, both in BM25's order (best first).
 */
export function keepsKeywordOrder(combined: readonly number[], model: readonly number[], guard: KeywordGuard): boolean {
  if (combined.length < 2 || model.length !== combined.length) return false;
  let top = 0;
  for (let i = 1; i < combined.length; i++) if (combined[i]! > combined[top]!) top = i;
  if (top + 1 < guard.minDisplacement) return false;
  const [first = 0, second = 0] = [...model].sort((a, b) => b - a);
  return first - second < guard.maxModelMargin;
}

/** What scoring needs of a loaded model. */
export interface ScoringModel {
  readonly model: Seq2SeqModel;
  readonly tokenizer: { encode(text: string): number[] };
}

export interface SearchResult {
  readonly fn: IndexedFunction;
  /** The weighted score results are ranked by. */
  readonly score: number;
  readonly bm25: number;
  /** Mean log-probability per token of the description given the code (code → comment). */
  readonly code2doc?: number;
  /** Mean log-probability per token of the code given the description (comment → code). */
  readonly doc2code?: number;
}

function padRows(rows: readonly (readonly number[])[]): number[][] {
  const len = Math.max(...rows.map((r) => r.length));
  return rows.map((r) => [...r, ...new Array<number>(len - r.length).fill(PAD_ID)]);
}

/**
 * Teacher-forced mean log-probability per output token (EOS included when `withEos[i]`) of each
 * `targets[i]` given `sources[i]`, as one batch; rows are padded and masked.
 */
export function meanLogProbs(
  model: Seq2SeqModel,
  sources: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  withEos: readonly boolean[],
): number[] {
  if (sources.length === 0) return [];
  const tgtIn = targets.map((t) => [BOS_ID, ...t]);
  const tgtOut = targets.map((t, i) => (withEos[i] ? [...t, EOS_ID] : [...t, PAD_ID]));
  const t = batchToTensors({ src: padRows(sources), tgtIn: padRows(tgtIn), tgtOut: padRows(tgtOut) });
  try {
    const sums = tf.tidy(() => {
      const lp = model.targetLogProbs(t.src, t.srcMask, t.tgtIn, t.tgtOut);
      return tf.stack([tf.sum(tf.mul(lp, t.tgtMask), 1), tf.sum(t.tgtMask, 1)]);
    });
    const [total, count] = sums.arraySync() as number[][];
    sums.dispose();
    return total!.map((s, i) => s / Math.max(1, count![i]!));
  } finally {
    disposeBatch(t);
  }
}

/**
 * Code tokens the code → comment score reads per candidate: the signature and the start of the
 * body carry most of what a summary says, and the encoder's cost grows with this length.
 */
export const SCORED_CODE_TOKENS = 32;

/** `[direction, ...tokens, EOS]` within the model's source limit (and `limit` tokens). */
function sourceRow(scorer: ScoringModel, direction: 'code2doc' | 'doc2code', text: string, limit = Infinity): number[] {
  const body = scorer.tokenizer
    .encode(normaliseText(text))
    .slice(0, Math.min(limit, scorer.model.config.maxSrcLen - 2));
  return [directionTokenId(direction), ...body, EOS_ID];
}

/** p(description | code) per candidate, length-normalised (code → comment direction). */
export function code2docScores(
  scorer: ScoringModel,
  description: string,
  codes: readonly string[],
  codeTokens = SCORED_CODE_TOKENS,
): number[] {
  const target = scorer.tokenizer.encode(normaliseText(description)).slice(0, scorer.model.config.maxTgtLen - 1);
  if (target.length === 0) return codes.map(() => 0);
  return meanLogProbs(
    scorer.model,
    codes.map((c) => sourceRow(scorer, 'code2doc', c, codeTokens)),
    codes.map(() => target),
    codes.map(() => true),
  );
}

/** p(code | description) per candidate, length-normalised (comment → code direction); long code is truncated. */
export function doc2codeScores(scorer: ScoringModel, description: string, codes: readonly string[]): number[] {
  const src = sourceRow(scorer, 'doc2code', description);
  const limit = scorer.model.config.maxTgtLen - 1;
  const targets = codes.map((c) => scorer.tokenizer.encode(normaliseText(c)));
  return meanLogProbs(
    scorer.model,
    codes.map(() => src),
    targets.map((t) => t.slice(0, limit)),
    targets.map((t) => t.length <= limit),
  );
}

/** Scores standardised within one query (mean 0, standard deviation 1; all equal: all 0). */
export function zScores(values: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) return [];
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return values.map((v) => (sd > 1e-12 ? (v - mean) / sd : 0));
}

/**
 * Orders BM25's candidates by the weighted z-scores; the model runs only for directions with a
 * weight (a scorer is needed then). Ties keep BM25's order.
 */
export function rerank(
  hits: readonly IndexHit[],
  description: string,
  scorer: ScoringModel | undefined,
  weights: RerankWeights = DEFAULT_RERANK_WEIGHTS,
  guard: KeywordGuard = KEYWORD_GUARD,
): SearchResult[] {
  const codes = hits.map((h) => h.fn.code);
  const needsModel = weights.code2doc !== 0 || weights.doc2code !== 0;
  if (needsModel && !scorer) throw new Error('re-ranking by the model needs a loaded model');
  const c2d = weights.code2doc !== 0 && hits.length > 0 ? code2docScores(scorer!, description, codes) : undefined;
  const d2c = weights.doc2code !== 0 && hits.length > 0 ? doc2codeScores(scorer!, description, codes) : undefined;
  const zb = zScores(hits.map((h) => h.score));
  const zc = c2d ? zScores(c2d) : undefined;
  const zd = d2c ? zScores(d2c) : undefined;
  const scored = hits.map((h, i) => ({
    fn: h.fn,
    bm25: h.score,
    ...(c2d ? { code2doc: c2d[i]! } : {}),
    ...(d2c ? { doc2code: d2c[i]! } : {}),
    score: weights.bm25 * zb[i]! + weights.code2doc * (zc?.[i] ?? 0) + weights.doc2code * (zd?.[i] ?? 0),
    order: i,
  }));
  const keep =
    zc !== undefined &&
    keepsKeywordOrder(
      scored.map((s) => s.score),
      zc,
      guard,
    );
  return scored.sort((a, b) => (keep ? 0 : b.score - a.score) || a.order - b.order).map(({ order: _order, ...r }) => r);
}

export interface SearchOptions {
  /** Results returned. */
  readonly limit?: number;
  /** Candidates BM25 hands to the model. */
  readonly candidates?: number;
  readonly weights?: RerankWeights;
  /** When a query keeps BM25's order (default KEYWORD_GUARD). */
  readonly guard?: KeywordGuard;
}

/** BM25's top candidates from the index, re-ranked by the model; best first. */
export function searchCode(
  index: FunctionIndex,
  description: string,
  scorer: ScoringModel | undefined,
  options: SearchOptions = {},
): SearchResult[] {
  const hits = index.search(description, options.candidates ?? DEFAULT_CANDIDATES);
  return rerank(hits, description, scorer, options.weights, options.guard).slice(0, options.limit ?? 20);
}
