/**
 * Exponential moving average for noisy training curves, as TensorBoard draws it: debiased, so
 * the first points are not pulled towards zero. Non-finite values (NaN loss, gaps) pass through
 * as null and do not disturb the average. Pure.
 */

/**
 * @param values the raw series, `[n]` (null for a gap)
 * @param weight EMA weight in [0, 1): 0 returns the raw values; 0.99 is very smooth
 * @returns the smoothed series, `[n]`
 */
export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  const out: (number | null)[] = new Array<number | null>(values.length);
  let last = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    last = last * w + (1 - w) * v;
    count++;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, count);
    out[i] = last / debias;
  }
  return out;
}
