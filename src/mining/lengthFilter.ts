/**
 * Length filters that drop a training pair instead of truncating it: a function longer than
 * `maxCodeTokens` subword tokens (what the model reads; maxSrcLen would cut it) or a summary
 * longer than `maxSummaryWords` words (split on whitespace) is left out, and the counts go into
 * the run's report and the model's meta. Only the training split is filtered, so validation and
 * test scores stay comparable between runs with different limits.
 */

export interface LengthLimits {
  /** Most subword tokens of a pair's code; longer pairs are dropped. Unset: no limit. */
  readonly maxCodeTokens?: number;
  /** Most whitespace-separated words of a pair's summary; longer pairs are dropped. Unset: no limit. */
  readonly maxSummaryWords?: number;
}

/** How many pairs each limit dropped (a pair over both counts once, as long code). */
export interface DroppedPairs {
  readonly longCode: number;
  readonly longSummary: number;
}

/** Throws when a limit is not a whole number of at least 1, naming the config field. */
export function checkLengthLimits(limits: LengthLimits): void {
  for (const field of ['maxCodeTokens', 'maxSummaryWords'] as const) {
    const v = limits[field];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      throw new Error(`${field} must be a whole number of at least 1, got ${JSON.stringify(v)}`);
  }
}

export const summaryWords = (summary: string): number => summary.split(/\s+/).filter(Boolean).length;

/**
 * The pairs within the limits, in order, and how many each limit dropped. `codeTokens` counts a
 * code text's subword tokens (the tokenizer's encode), asked only when `maxCodeTokens` is set.
 */
export function dropLongPairs<T extends { readonly code: string; readonly summary: string }>(
  pairs: readonly T[],
  limits: LengthLimits,
  codeTokens: (code: string) => number,
): { kept: T[]; dropped: DroppedPairs } {
  checkLengthLimits(limits);
  const { maxCodeTokens, maxSummaryWords } = limits;
  let longCode = 0;
  let longSummary = 0;
  const kept = pairs.filter((p) => {
    if (maxCodeTokens !== undefined && codeTokens(p.code) > maxCodeTokens) {
      longCode++;
      return false;
    }
    if (maxSummaryWords !== undefined && summaryWords(p.summary) > maxSummaryWords) {
      longSummary++;
      return false;
    }
    return true;
  });
  return { kept, dropped: { longCode, longSummary } };
}
