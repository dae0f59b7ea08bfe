/**
 * How search ranks hypotheses of different lengths: the GNMT length penalty
 * `lp(len) = ((5 + len) / 6) ^ alpha` and a reward per token, `score = logProb / lp(len) + reward * len`,
 * where len counts generated tokens with EOS when present. Pure and import-free, so the engine's
 * search and the attention explorer's live re-ranking (a webview bundle) share one formula.
 */

export function lengthPenalty(length: number, alpha: number): number {
  return alpha === 0 ? 1 : Math.pow((5 + length) / 6, alpha);
}

/** The ranking score of a hypothesis of `length` tokens with total log-probability `logProb`. */
export function hypothesisScore(logProb: number, length: number, alpha: number, reward = 0): number {
  return logProb / lengthPenalty(length, alpha) + reward * length;
}
