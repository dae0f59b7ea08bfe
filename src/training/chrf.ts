/**
 * chrF (Popović 2015, "chrF: character n-gram F-score for automatic MT evaluation") as sacreBLEU 2
 * computes it by default: character n-grams of orders 1..6 of each text with its whitespace
 * removed, case kept; per order the matched, hypothesis and reference n-gram counts; precision and
 * recall averaged over the orders that both sides have (the effective order); F-beta with beta 2
 * (recall weighted twice). Corpus chrF sums the counts over all pairs before scoring, as sacreBLEU's
 * `corpus_score` does. Hand-written: a few dozen lines, and the project's other metrics (bleu.ts)
 * are too; no TypeScript package implements sacreBLEU's variant.
 */

import { bootstrapShares } from './bootstrap';

export const CHRF_ORDER = 6;
export const CHRF_BETA = 2;

/** Per order n (index n - 1): [hypothesis n-grams, reference n-grams, matched n-grams]. */
export type ChrfStats = readonly (readonly [number, number, number])[];

function charNgrams(text: string, n: number): Map<string, number> {
  const chars = [...text.replace(/\s+/gu, '')];
  const m = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const key = chars.slice(i, i + n).join('');
    m.set(key, (m.get(key) ?? 0) + 1);
  }
  return m;
}

const total = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);

/** Sufficient statistics of one (hypothesis, reference) pair. */
export function chrfStats(hypothesis: string, reference: string, order = CHRF_ORDER): ChrfStats {
  const out: [number, number, number][] = [];
  for (let n = 1; n <= order; n++) {
    const h = charNgrams(hypothesis, n);
    const r = charNgrams(reference, n);
    let match = 0;
    for (const [g, c] of h) match += Math.min(c, r.get(g) ?? 0);
    out.push([total(h), total(r), match]);
  }
  return out;
}

/** chrF in 0..100 from (summed) statistics. */
export function chrfFromStats(stats: ChrfStats, beta = CHRF_BETA): number {
  let precision = 0;
  let recall = 0;
  let effective = 0;
  for (const [hyp, ref, match] of stats)
    if (hyp > 0 && ref > 0) {
      precision += match / hyp;
      recall += match / ref;
      effective++;
    }
  if (effective === 0) return 0;
  precision /= effective;
  recall /= effective;
  const b2 = beta * beta;
  const denom = b2 * precision + recall;
  return denom > 0 ? (100 * (1 + b2) * precision * recall) / denom : 0;
}

/** Element-wise sum of per-pair statistics. */
export function sumChrfStats(all: readonly ChrfStats[], order = CHRF_ORDER): ChrfStats {
  const out = Array.from({ length: order }, () => [0, 0, 0] as [number, number, number]);
  for (const s of all)
    s.forEach(([h, r, m], i) => {
      const o = out[i]!;
      o[0] += h;
      o[1] += r;
      o[2] += m;
    });
  return out;
}

/** Sentence chrF of one pair, 0..100. */
export function sentenceChrf(hypothesis: string, reference: string): number {
  return chrfFromStats(chrfStats(hypothesis, reference));
}

/** Corpus chrF (statistics summed over the pairs), 0..100. */
export function corpusChrf(hypotheses: readonly string[], references: readonly string[]): number {
  if (hypotheses.length !== references.length) throw new Error('corpusChrf: one hypothesis per reference');
  return chrfFromStats(sumChrfStats(hypotheses.map((h, i) => chrfStats(h, references[i]!))));
}

/**
 * Paired bootstrap (Koehn 2004) on corpus chrF: the share of `samples` resampled test sets (same
 * size, with replacement, seeded) on which system A's corpus chrF is above B's.
 */
export function pairedBootstrapChrf(
  references: readonly string[],
  a: readonly string[],
  b: readonly string[],
  samples = 1000,
  seed = 1,
): number {
  if (a.length !== references.length || b.length !== references.length)
    throw new Error('pairedBootstrapChrf: every system needs one output per reference');
  return pairedBootstrapChrfStats(
    a.map((h, i) => chrfStats(h, references[i]!)),
    b.map((h, i) => chrfStats(h, references[i]!)),
    samples,
    seed,
  );
}

/** {@link pairedBootstrapChrf} on each pair's statistics, already computed (the guard's rows). */
export function pairedBootstrapChrfStats(
  a: readonly ChrfStats[],
  b: readonly ChrfStats[],
  samples = 1000,
  seed = 1,
): number {
  if (a.length !== b.length) throw new Error('pairedBootstrapChrfStats: both systems need the same pairs');
  const corpus = (s: readonly ChrfStats[], idx: readonly number[]): number =>
    chrfFromStats(sumChrfStats(idx.map((i) => s[i]!)));
  return bootstrapShares(a.length, { chrf: (idx) => corpus(a, idx) > corpus(b, idx) }, samples, seed).chrf;
}
