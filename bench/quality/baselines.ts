/**
 * The two baselines the default model must beat (bench:quality):
 *  - retrieval: the description of the most similar training function, by Okapi BM25 over the
 *    code's subtokens (identifiers split at case and underscores, lower-cased);
 *  - trivial: the function's name split into words ("parseHttpHeader" -> "parse http header").
 * BM25 is a few lines of arithmetic over an inverted index, written here rather than pulled in
 * as a dependency so that its tokenisation is exactly the one documented above.
 */

/** Code subtokens: words and identifier pieces, lower-cased; punctuation dropped. */
export function codeSubtokens(code: string): string[] {
  const out: string[] = [];
  for (const word of code.match(/[A-Za-z_$][A-Za-z0-9_$]*|\d+/g) ?? []) {
    for (const piece of splitIdentifier(word)) out.push(piece.toLowerCase());
  }
  return out;
}

/** `parseHTTPHeader_v2` -> ['parse', 'HTTP', 'Header', 'v2']. */
export function splitIdentifier(identifier: string): string[] {
  return identifier
    .split(/[_$]+/)
    .flatMap((part) => part.match(/[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+\d*|[A-Z]+\d*|\d+/g) ?? [])
    .filter(Boolean);
}

/** The trivial baseline: the function name as words. */
export function nameBaseline(name: string): string {
  return splitIdentifier(name)
    .map((w) => w.toLowerCase())
    .join(' ');
}

export interface Bm25Options {
  readonly k1?: number;
  readonly b?: number;
}

/** BM25 retrieval over documents given as token lists. */
export class Bm25Index {
  private readonly postings = new Map<string, { doc: number; tf: number }[]>();
  private readonly lengths: number[] = [];
  private readonly avgLength: number;
  private readonly k1: number;
  private readonly b: number;

  constructor(docs: readonly (readonly string[])[], options: Bm25Options = {}) {
    this.k1 = options.k1 ?? 1.2;
    this.b = options.b ?? 0.75;
    docs.forEach((tokens, doc) => {
      this.lengths.push(tokens.length);
      const tf = new Map<string, number>();
      for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
      for (const [term, n] of tf) {
        let list = this.postings.get(term);
        if (!list) this.postings.set(term, (list = []));
        list.push({ doc, tf: n });
      }
    });
    this.avgLength = this.lengths.reduce((a, b) => a + b, 0) / Math.max(1, this.lengths.length);
  }

  /** Robertson-Sparck Jones idf with the +1 that keeps it positive. */
  idf(term: string): number {
    const n = this.postings.get(term)?.length ?? 0;
    const total = this.lengths.length;
    return Math.log(1 + (total - n + 0.5) / (n + 0.5));
  }

  /** Index of the best-scoring document (ties: the lowest index), or -1 when nothing matches. */
  best(query: readonly string[]): number {
    const scores = new Map<number, number>();
    for (const term of new Set(query)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (const { doc, tf } of list) {
        const norm = tf + this.k1 * (1 - this.b + (this.b * this.lengths[doc]!) / this.avgLength);
        scores.set(doc, (scores.get(doc) ?? 0) + (idf * (tf * (this.k1 + 1))) / norm);
      }
    }
    let bestDoc = -1;
    let bestScore = -Infinity;
    for (const [doc, s] of scores) {
      if (s > bestScore || (s === bestScore && doc < bestDoc)) {
        bestDoc = doc;
        bestScore = s;
      }
    }
    return bestDoc;
  }
}

/** The retrieval baseline: for each test code, the summary of the nearest training code. */
export function retrievalBaseline(
  train: readonly { readonly code: string; readonly summary: string }[],
  testCodes: readonly string[],
): string[] {
  const index = new Bm25Index(train.map((t) => codeSubtokens(t.code)));
  return testCodes.map((code) => {
    const hit = index.best(codeSubtokens(code));
    return hit >= 0 ? train[hit]!.summary : '';
  });
}
