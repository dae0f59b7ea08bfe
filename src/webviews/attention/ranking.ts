/**
 * Length-penalised re-ranking of an n-best list (GNMT: `lp(len) = ((5 + len) / 6) ^ alpha`,
 * `score = logProb / lp + reward * len`, len counting generated tokens with EOS when present), as the engine's
 * search ranks them. Pure, no imports: the host uses it to build the view and the attention
 * app uses it for the live length-penalty slider.
 */

export function gnmtLengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

export function penalisedScore(logProb: number, length: number, alpha: number, reward = 0): number {
  return logProb / gnmtLengthPenalty(length, alpha) + reward * length;
}

export interface Rankable {
  readonly index: number;
  readonly logProb: number;
  readonly length: number;
}

export interface Ranked {
  readonly index: number;
  readonly score: number;
}

/** Best first; ties keep the engine's order (stable on `index`). */
export function rankHypotheses(hyps: readonly Rankable[], alpha: number, reward = 0): Ranked[] {
  return hyps
    .map((h) => ({ index: h.index, score: penalisedScore(h.logProb, h.length, alpha, reward) }))
    .sort((a, b) => b.score - a.score || a.index - b.index);
}
