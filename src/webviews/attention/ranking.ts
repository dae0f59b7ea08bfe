/**
 * Length-penalised re-ranking of an n-best list with the engine's own scoring
 * (src/core/lengthScore.ts: GNMT length penalty plus a reward per token), as search ranks them.
 * The host uses it to build the view and the attention app for the live length-penalty slider.
 */
import { hypothesisScore, lengthPenalty } from '../../core/lengthScore';

export { lengthPenalty as gnmtLengthPenalty, hypothesisScore as penalisedScore };

export interface Rankable {
  readonly index: number;
  readonly logProb: number;
  readonly length: number;
  /** A reused summary: the engine put it first by similarity, not by score, and it stays first. */
  readonly reusedFrom?: unknown;
}

export interface Ranked {
  readonly index: number;
  readonly score: number;
}

/** Best first (a reused summary before all); ties keep the engine's order (stable on `index`). */
export function rankHypotheses(hyps: readonly Rankable[], alpha: number, reward = 0, limit = Infinity): Ranked[] {
  const pinned = new Set(hyps.filter((h) => h.reusedFrom).map((h) => h.index));
  return hyps
    .map((h) => ({ index: h.index, score: hypothesisScore(h.logProb, h.length, alpha, reward, limit) }))
    .sort(
      (a, b) => Number(pinned.has(b.index)) - Number(pinned.has(a.index)) || b.score - a.score || a.index - b.index,
    );
}
