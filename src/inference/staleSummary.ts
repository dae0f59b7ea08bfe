/**
 * "Summary may be stale": does a doc comment's summary still describe its function? Two signals,
 * measured by `npm run bench:staleness` on held-out projects (a summary moved to another function
 * of the same file is the stale case):
 *  - the model's PMI: the code → comment direction's mean log-probability per token of the
 *    summary given the code, minus the same given an empty function, so that a summary the model
 *    finds likely anywhere does not pass as fitting;
 *  - the Dice overlap of the code's and the summary's subtokens (no model).
 * Each is standardised with the mean and deviation seen on validation projects and the two are
 * summed; a summary whose fit is below the calibrated threshold is flagged. The calibration is
 * per model (`meta.staleSummary`, written by the bench with `--calibrate`); a model without one
 * is never asked.
 */
import { directionTokenId, EOS_ID } from '../core/specialTokens';
import type { StaleSummaryMeta } from '../modelFolder/format';
import { normaliseText } from '../tokenizer/preTokenizer';
import { codeSubtokens, diceOverlap } from '../retrieval/retrieval';
import { meanLogProbs, type ScoringModel } from './codeSearch';

/** A function's code (its doc comment removed, as mining gives it) and a summary for it. */
export interface SummaryCase {
  readonly code: string;
  readonly summary: string;
}

/** The raw signals of one case. */
export interface SummaryFit {
  /** Mean log-probability per token of the summary given the code. */
  readonly logProb: number;
  /** The same given an empty function. */
  readonly prior: number;
  /** Dice overlap of the code's and the summary's subtokens. */
  readonly overlap: number;
}

/** Cases scored per model pass. */
const BATCH = 32;

/** The model's mean log-probability of each summary given its code (or an empty function). */
function logProbs(scorer: ScoringModel, cases: readonly SummaryCase[], emptyCode: boolean): number[] {
  const out: number[] = [];
  const { maxSrcLen, maxTgtLen } = scorer.model.config;
  for (let i = 0; i < cases.length; i += BATCH) {
    const batch = cases.slice(i, i + BATCH);
    const sources = batch.map((c) => [
      directionTokenId('code2doc'),
      ...(emptyCode ? [] : scorer.tokenizer.encode(normaliseText(c.code)).slice(0, maxSrcLen - 2)),
      EOS_ID,
    ]);
    const targets = batch.map((c) => scorer.tokenizer.encode(normaliseText(c.summary)).slice(0, maxTgtLen - 1));
    out.push(
      ...meanLogProbs(
        scorer.model,
        sources,
        targets,
        batch.map(() => true),
      ),
    );
  }
  return out;
}

/** Both signals for every case (two teacher-forced passes per batch of 32). */
export function summaryFits(scorer: ScoringModel, cases: readonly SummaryCase[]): SummaryFit[] {
  const given = logProbs(scorer, cases, false);
  const prior = logProbs(scorer, cases, true);
  return cases.map((c, i) => ({
    logProb: given[i]!,
    prior: prior[i]!,
    overlap: diceOverlap(codeSubtokens(c.code), codeSubtokens(c.summary)),
  }));
}

export const pmiOf = (f: SummaryFit): number => f.logProb - f.prior;

/** Mean and standard deviation (1 when the values do not vary). */
export function moments(values: readonly number[]): { mean: number; sd: number } {
  const n = Math.max(1, values.length);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  return { mean, sd: sd > 1e-12 ? sd : 1 };
}

/** The combined fit: standardised PMI plus standardised overlap (higher fits better). */
export function fitScore(f: SummaryFit, c: Pick<StaleSummaryMeta, 'pmi' | 'overlap'>): number {
  return (pmiOf(f) - c.pmi.mean) / c.pmi.sd + (f.overlap - c.overlap.mean) / c.overlap.sd;
}

export function isStale(f: SummaryFit, c: StaleSummaryMeta): boolean {
  return fitScore(f, c) < c.threshold;
}
