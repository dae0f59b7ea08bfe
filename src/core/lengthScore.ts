/**
 * How search ranks hypotheses of different lengths: the GNMT length penalty
 * `lp(len) = ((5 + len) / 6) ^ alpha` and a reward per token up to a limit,
 * `score = logProb / lp(len) + reward * min(len, limit)`, where len counts generated tokens with
 * EOS when present. The limit is Huang et al. 2017's bounded length reward ("When to Finish?
 * Optimal Beam Search for Neural Text Generation"): tokens past it earn nothing, so a reward
 * large enough to lengthen short outputs cannot make an output run on to the length limit.
 * Pure and import-free, so the engine's search and the attention explorer's live re-ranking (a
 * webview bundle) share one formula. Beside them, the length-free measure of how sure the model
 * was of a hypothesis: its mean token probability.
 */

export function lengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

/** The ranking score of a hypothesis of `length` tokens with total log-probability `logProb`. */
export function hypothesisScore(logProb: number, length: number, alpha: number, reward = 0, limit = Infinity): number {
  return logProb / lengthPenalty(length, alpha) + reward * Math.min(length, limit);
}

/** exp(mean log-probability per token): how sure the model was of a candidate, 0..1. */
export function meanTokenProbability(c: { readonly logProb: number; readonly tokens: readonly unknown[] }): number {
  return Math.exp(c.logProb / Math.max(1, c.tokens.length));
}
