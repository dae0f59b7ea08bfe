/**
 * Byte-pair encoding: learning merges from piece counts, and applying them to one piece.
 *
 * Hand-written on purpose: the `tokenizers` Node binding (0.23) trains only with its default
 * trainer (`Tokenizer.train(files)`: 30,000 tokens, no minimum frequency, no special tokens, a
 * progress bar on stderr, each input line one word), so the vocabulary size and the reserved ids
 * could not be set. The result is the standard BPE model of `tokenizer.json` (vocab + ranked
 * merges) and tests check that the `tokenizers` library encodes with it exactly as we do.
 *
 * Ties between equally frequent pairs go to the lexicographically smaller pair, so training is
 * deterministic.
 */

export interface BpeTrainOptions {
  /** Merges to learn at most. */
  readonly maxMerges: number;
  /** A pair seen fewer times than this is never merged; a character seen fewer times is left out. */
  readonly minFrequency: number;
}

export interface BpeModel {
  /** Characters of the alphabet, most frequent first. */
  readonly alphabet: readonly string[];
  /** Merges in rank order. */
  readonly merges: readonly (readonly [string, string])[];
}

const SEP = '\u0000';

/** Max-heap of (count, pair) with lazy invalidation. */
class PairHeap {
  private readonly items: [number, string][] = [];

  push(count: number, key: string): void {
    const a = this.items;
    a.push([count, key]);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }

  pop(): [number, string] | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.before(a[l]!, a[m]!)) m = l;
        if (r < a.length && this.before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }

  private before(x: [number, string], y: [number, string]): boolean {
    return x[0] !== y[0] ? x[0] > y[0] : x[1] < y[1];
  }
}

/** Learns merges from pieces and how often each occurs. */
export function trainBpe(pieceCounts: ReadonlyMap<string, number>, options: BpeTrainOptions): BpeModel {
  const charCounts = new Map<string, number>();
  for (const [piece, n] of pieceCounts) for (const ch of piece) charCounts.set(ch, (charCounts.get(ch) ?? 0) + n);
  const alphabet = [...charCounts]
    .filter(([, n]) => n >= options.minFrequency)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([c]) => c);
  const inAlphabet = new Set(alphabet);

  // Words as symbol arrays; characters outside the alphabet break a word into separate runs.
  const words: string[][] = [];
  const counts: number[] = [];
  const keepRun = (run: string[], n: number): void => {
    if (run.length < 2) return;
    words.push(run);
    counts.push(n);
  };
  for (const [piece, n] of pieceCounts) {
    let run: string[] = [];
    for (const ch of piece) {
      if (inAlphabet.has(ch)) run.push(ch);
      else {
        keepRun(run, n);
        run = [];
      }
    }
    keepRun(run, n);
  }

  const pairCounts = new Map<string, number>();
  const where = new Map<string, Set<number>>();
  const add = (key: string, w: number, n: number): void => {
    pairCounts.set(key, (pairCounts.get(key) ?? 0) + n);
    let s = where.get(key);
    if (!s) where.set(key, (s = new Set()));
    s.add(w);
  };
  words.forEach((syms, w) => {
    for (let i = 0; i + 1 < syms.length; i++) add(syms[i]! + SEP + syms[i + 1]!, w, counts[w]!);
  });
  const heap = new PairHeap();
  for (const [k, n] of pairCounts) heap.push(n, k);

  const merges: [string, string][] = [];
  while (merges.length < options.maxMerges) {
    const top = heap.pop();
    if (!top) break;
    const [n, key] = top;
    if (pairCounts.get(key) !== n) continue; // stale entry
    if (n < Math.max(1, options.minFrequency)) break;
    const [a, b] = key.split(SEP) as [string, string];
    const merged = a + b;
    merges.push([a, b]);
    const touched = new Set<string>();
    for (const w of where.get(key) ?? []) {
      const syms = words[w]!;
      const c = counts[w]!;
      for (let i = 0; i + 1 < syms.length; i++) {
        const k = syms[i]! + SEP + syms[i + 1]!;
        pairCounts.set(k, pairCounts.get(k)! - c);
        touched.add(k);
      }
      const next: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) {
          next.push(merged);
          i++;
        } else next.push(syms[i]!);
      }
      words[w] = next;
      for (let i = 0; i + 1 < next.length; i++) {
        const k = next[i]! + SEP + next[i + 1]!;
        add(k, w, c);
        touched.add(k);
      }
    }
    pairCounts.delete(key);
    where.delete(key);
    for (const k of touched) if (k !== key) heap.push(pairCounts.get(k)!, k);
  }
  return { alphabet, merges };
}

/** Applies ranked merges to one piece's symbols (lowest rank first, as `tokenizers` does). */
export function applyMerges(symbols: string[], ranks: ReadonlyMap<string, number>): string[] {
  const syms = symbols.slice();
  for (;;) {
    let best = -1;
    let bestRank = Infinity;
    for (let i = 0; i + 1 < syms.length; i++) {
      const r = ranks.get(syms[i]! + SEP + syms[i + 1]!);
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) return syms;
    syms.splice(best, 2, syms[best]! + syms[best + 1]!);
  }
}

export function mergeKey(a: string, b: string): string {
  return a + SEP + b;
}
