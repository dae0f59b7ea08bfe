/**
 * Paired bootstrap resampling (Koehn 2004, "Statistical Significance Tests for Machine
 * Translation Evaluation"): `samples` test sets the size of the items, drawn from them with
 * replacement from `seededRandom(seed)`; for each metric, the share of those test sets on which
 * system A is strictly ahead of system B (a tie is no win). The one resampling loop behind
 * quality.ts's `pairedBootstrap`, chrf.ts's `pairedBootstrapChrf` and the guard's margin rule, so
 * that with the same seed all of them judge the same resamples.
 */
import { seededRandom } from '../mining/random';

/** Whether A is strictly ahead of B on one resample, given as the indices of its items. */
export type ResampleWin = (idx: readonly number[]) => boolean;

/** For each metric of `wins`, the share (0..1) of the resamples of `n` items that A wins. */
export function bootstrapShares<K extends string>(
  n: number,
  wins: Readonly<Record<K, ResampleWin>>,
  samples = 1000,
  seed = 1,
): Record<K, number> {
  const metrics = Object.keys(wins) as K[];
  const counts = metrics.map(() => 0);
  const random = seededRandom(seed);
  for (let k = 0; k < samples && n > 0; k++) {
    const idx = Array.from({ length: n }, () => Math.floor(random() * n));
    metrics.forEach((m, j) => {
      if (wins[m](idx)) counts[j]!++;
    });
  }
  return Object.fromEntries(metrics.map((m, j) => [m, counts[j]! / samples])) as Record<K, number>;
}

/** A win on the total (so the mean) of per-item scores, as for mean sentence BLEU. */
export function totalAhead(a: readonly number[], b: readonly number[]): ResampleWin {
  const total = (t: readonly number[], idx: readonly number[]): number => idx.reduce((acc, i) => acc + t[i]!, 0);
  return (idx) => total(a, idx) > total(b, idx);
}
