/**
 * BLEU-4 for evaluation and for minimum-risk training.
 *
 * Corpus BLEU (Papineni et al. 2002): clipped n-gram counts (n = 1..4) summed over the corpus,
 * geometric mean of the four precisions, times the brevity penalty exp(1 - r/c) when the total
 * candidate length c is below the total reference length r. Tokenization: the caller's tokens, or
 * {@link bleuTokens} (lower-cased, `[\w]+|[^\s\w]`). Smoothing: none by default (any zero
 * precision gives 0, as in multi-bleu.perl; when the candidates hold no n-grams of some order at
 * all, the mean runs over the lower orders only, sacreBLEU's effective order); `smooth: true` adds 1 to numerator and denominator
 * for n >= 2 (Lin & Och 2004 "smoothing 2").
 *
 * Sentence BLEU, CodeXGLUE style (their `smooth_bleu.py` / `bleu.py` used for code summarisation):
 * each sentence is lower-cased and tokenized with `[\w]+|[^\s\w]`, scored with +1 smoothing for
 * n >= 2 and its own brevity penalty exp(min(0, 1 - (r + 1) / (c + 1))) (their +1 on both
 * lengths), and the scores are averaged over sentences. Scores are in
 * [0, 1]; callers multiply by 100 for display.
 */

export const MAX_ORDER = 4;

/** Lower-cases and splits into words and single punctuation marks: `[\w]+|[^\s\w]`. */
export function bleuTokens(text: string): string[] {
  return text.toLowerCase().match(/[\w]+|[^\s\w]/gu) ?? [];
}

/** n-gram counts of orders 1..maxOrder, keyed by order then by the joined n-gram. */
function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join('\u0001');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

/** Sufficient statistics of one (candidate, reference) pair. */
export interface BleuStats {
  /** Clipped matches per order (index 0 = unigrams). */
  readonly matches: number[];
  /** Candidate n-grams per order. */
  readonly totals: number[];
  readonly candidateLength: number;
  readonly referenceLength: number;
}

export function bleuStats(candidate: readonly string[], reference: readonly string[], maxOrder = MAX_ORDER): BleuStats {
  const c = ngramCounts(candidate, maxOrder);
  const r = ngramCounts(reference, maxOrder);
  const matches: number[] = [];
  const totals: number[] = [];
  for (let n = 0; n < maxOrder; n++) {
    let m = 0;
    for (const [k, count] of c[n]!) m += Math.min(count, r[n]!.get(k) ?? 0);
    matches.push(m);
    totals.push(Math.max(0, candidate.length - n));
  }
  return { matches, totals, candidateLength: candidate.length, referenceLength: reference.length };
}

/**
 * BLEU from (summed) statistics. `plusOneLengths` uses the CodeXGLUE brevity penalty
 * exp(min(0, 1 - (r + 1) / (c + 1))) instead of the standard exp(min(0, 1 - r / c)).
 */
export function bleuFromStats(s: BleuStats, smooth: boolean, plusOneLengths = false): number {
  const order = s.matches.length;
  if (s.candidateLength === 0) return 0;
  let logSum = 0;
  let used = 0;
  for (let n = 0; n < order; n++) {
    const add = smooth && n > 0 ? 1 : 0;
    const num = s.matches[n]! + add;
    const den = s.totals[n]! + add;
    // No candidate n-grams of this order at all (every text shorter than n): effective order,
    // as sacreBLEU does, rather than scoring a perfect corpus of short texts 0.
    if (den === 0) break;
    if (num === 0) return 0;
    logSum += Math.log(num / den);
    used++;
  }
  if (used === 0) return 0;
  logSum = (logSum / used) * order;
  const k = plusOneLengths ? 1 : 0;
  const bp = Math.exp(Math.min(0, 1 - (s.referenceLength + k) / (s.candidateLength + k)));
  return bp * Math.exp(logSum / order);
}

/** Sums per-pair statistics into corpus statistics. */
export function sumStats(all: readonly BleuStats[], maxOrder: number): BleuStats {
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let candidateLength = 0;
  let referenceLength = 0;
  for (const s of all) {
    for (let n = 0; n < maxOrder; n++) {
      matches[n]! += s.matches[n]!;
      totals[n]! += s.totals[n]!;
    }
    candidateLength += s.candidateLength;
    referenceLength += s.referenceLength;
  }
  return { matches, totals, candidateLength, referenceLength };
}

export interface CorpusBleuOptions {
  /** +1 smoothing for n >= 2. Default false. */
  readonly smooth?: boolean;
  readonly maxOrder?: number;
}

/** Corpus BLEU over token lists (one reference each), in [0, 1]. */
export function corpusBleu(
  candidates: readonly (readonly string[])[],
  references: readonly (readonly string[])[],
  options: CorpusBleuOptions = {},
): number {
  if (candidates.length !== references.length)
    throw new Error(`corpusBleu: ${candidates.length} candidates but ${references.length} references`);
  const maxOrder = options.maxOrder ?? MAX_ORDER;
  const stats = candidates.map((c, i) => bleuStats(c, references[i]!, maxOrder));
  return bleuFromStats(sumStats(stats, maxOrder), options.smooth ?? false);
}

/** Corpus BLEU over texts, tokenized with {@link bleuTokens}. */
export function corpusBleuText(
  candidates: readonly string[],
  references: readonly string[],
  options: CorpusBleuOptions = {},
): number {
  return corpusBleu(candidates.map(bleuTokens), references.map(bleuTokens), options);
}

/** CodeXGLUE-style smoothed sentence BLEU-4 of one text pair, in [0, 1]. */
export function sentenceBleu(candidate: string, reference: string): number {
  return sentenceBleuTokens(bleuTokens(candidate), bleuTokens(reference));
}

/** Smoothed (+1 for n >= 2) sentence BLEU-4 on given tokens. */
export function sentenceBleuTokens(candidate: readonly string[], reference: readonly string[]): number {
  return bleuFromStats(bleuStats(candidate, reference, MAX_ORDER), true, true);
}

/** Mean smoothed sentence BLEU-4 over pairs (the CodeXGLUE code-to-text metric), in [0, 1]. */
export function averageSentenceBleu(candidates: readonly string[], references: readonly string[]): number {
  if (candidates.length !== references.length)
    throw new Error(`averageSentenceBleu: ${candidates.length} candidates but ${references.length} references`);
  if (candidates.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < candidates.length; i++) sum += sentenceBleu(candidates[i]!, references[i]!);
  return sum / candidates.length;
}

/** Fraction of pairs whose whitespace-normalised texts are equal. */
export function exactMatch(candidates: readonly string[], references: readonly string[]): number {
  if (candidates.length !== references.length) throw new Error('exactMatch: lengths differ');
  if (candidates.length === 0) return 0;
  const norm = (s: string): string => s.trim().split(/\s+/u).join(' ');
  let hits = 0;
  for (let i = 0; i < candidates.length; i++) if (norm(candidates[i]!) === norm(references[i]!)) hits++;
  return hits / candidates.length;
}
