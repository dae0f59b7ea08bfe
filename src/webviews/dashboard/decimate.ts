/**
 * Series decimation for the charts: Largest-Triangle-Three-Buckets (Steinarsson 2013) keeps the
 * visual shape (peaks, spikes) of a long series with a fixed number of points, so drawing cost is
 * bounded by the chart's width, not by the run's length. Returns indices, so a raw series and its
 * smoothed twin can be decimated alike. Pure, O(n).
 */

/**
 * @param xs x values, `[n]`, ascending
 * @param ys y values, `[n]` (null for gaps; a gap scores as the bucket's lowest area)
 * @param threshold number of points to keep (>= 3); n <= threshold keeps all
 * @returns ascending indices into xs/ys, first and last included
 */
export function lttbIndices(xs: ArrayLike<number>, ys: ArrayLike<number | null>, threshold: number): number[] {
  const n = xs.length;
  if (threshold >= n || threshold < 3) return Array.from({ length: n }, (_, i) => i);
  const y = (i: number): number => {
    const v = ys[i];
    return v === null || v === undefined || !Number.isFinite(v) ? NaN : v;
  };
  const out: number[] = [0];
  const bucket = (n - 2) / (threshold - 2);
  let a = 0;
  for (let b = 0; b < threshold - 2; b++) {
    // The next bucket's average is the triangle's third vertex.
    const nextStart = Math.floor((b + 1) * bucket) + 1;
    const nextEnd = Math.min(Math.floor((b + 2) * bucket) + 1, n);
    let avgX = 0;
    let avgY = 0;
    let cnt = 0;
    for (let i = nextStart; i < nextEnd; i++) {
      const v = y(i);
      avgX += xs[i] as number;
      if (!Number.isNaN(v)) {
        avgY += v;
        cnt++;
      }
    }
    avgX /= Math.max(1, nextEnd - nextStart);
    avgY = cnt ? avgY / cnt : y(a);
    const start = Math.floor(b * bucket) + 1;
    const end = Math.floor((b + 1) * bucket) + 1;
    const ax = xs[a] as number;
    const ay = y(a);
    let best = start;
    let bestArea = -1;
    for (let i = start; i < end; i++) {
      const yi = y(i);
      const area =
        Number.isNaN(yi) || Number.isNaN(ay)
          ? 0
          : Math.abs((ax - avgX) * (yi - ay) - (ax - (xs[i] as number)) * (avgY - ay));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push(best);
    a = best;
  }
  out.push(n - 1);
  return out;
}

/** Picks `indices` out of a series. */
export function pick<T>(values: ArrayLike<T>, indices: readonly number[]): T[] {
  return indices.map((i) => values[i] as T);
}
