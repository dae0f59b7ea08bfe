/**
 * Retrieval over code by Okapi BM25 on the code's subtokens (identifiers split at case and
 * underscores, lower-cased), for retrieval-augmented models (`ExampleMemory`): the summary of
 * the most similar training function from another file is put before the code, so the model can
 * copy or edit it (retrieve-and-edit, as in Hashimoto et al. 2018 and Zhang et al. 2020 for code
 * summaries); the workspace's function index searches with the same `Bm25Index`. Also the
 * benchmarks' trivial baseline, the function's name split into words (`nameBaseline`).
 * BM25 is a few lines of arithmetic over an inverted index, written here rather than pulled in
 * as a dependency so that its tokenisation is exactly the one documented above, and so that it
 * can skip candidates (another file only) and score into a typed array.
 */
import { scrubSecrets } from './secrets';

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
  private scores = new Float64Array(0);
  private readonly k1: number;
  private readonly b: number;

  constructor(
    readonly documents: readonly (readonly string[])[],
    options: Bm25Options = {},
  ) {
    const docs = documents;
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

  /**
   * Index of the best-scoring document (ties: the lowest index), or -1 when nothing matches;
   * `skip(doc)` rules candidates out.
   */
  best(query: readonly string[], skip?: (doc: number) => boolean): number {
    return this.top(query, 1, skip)[0]?.doc ?? -1;
  }

  /**
   * The `k` best-scoring documents that match at least one term, best first (ties: the lowest
   * index); `skip(doc)` rules candidates out.
   */
  top(query: readonly string[], k: number, skip?: (doc: number) => boolean): { doc: number; score: number }[] {
    const n = this.lengths.length;
    if (this.scores.length !== n) this.scores = new Float64Array(n);
    const scores = this.scores;
    const touched: number[] = [];
    for (const term of new Set(query)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (const { doc, tf } of list) {
        const norm = tf + this.k1 * (1 - this.b + (this.b * this.lengths[doc]!) / this.avgLength);
        const before = scores[doc]!;
        if (before === 0) touched.push(doc);
        scores[doc] = before + (idf * (tf * (this.k1 + 1))) / norm;
      }
    }
    const hits: { doc: number; score: number }[] = [];
    for (const doc of touched) {
      const s = scores[doc]!;
      scores[doc] = 0;
      if (!skip?.(doc)) hits.push({ doc, score: s });
    }
    if (k === 1) {
      let best: { doc: number; score: number } | undefined;
      for (const h of hits) if (!best || h.score > best.score || (h.score === best.score && h.doc < best.doc)) best = h;
      return best ? [best] : [];
    }
    return hits.sort((a, b) => b.score - a.score || a.doc - b.doc).slice(0, k);
  }
}

/** What a retrieval-augmented source starts with: the neighbour's summary, then the code. */
export const NEIGHBOUR_MARK = 'similar: ';
/** Longest neighbour summary kept in front of the code, in tokens. */
export const NEIGHBOUR_MAX_TOKENS = 24;

/**
 * A graded memory (version 2) says how close the neighbour is: the mark before its summary is
 * `same: `, `similar: ` or `unlike: ` by the Dice overlap of the two functions' code subtokens
 * (at least 0.8, at least 0.5, below). The model sees only the neighbour's summary, not its code,
 * so without the grade it cannot tell a near-copy of the function (whose summary it should copy
 * whole) from a loose match (whose summary is at most a template).
 */
export const SIMILARITY_MARKS: readonly { readonly atLeast: number; readonly mark: string }[] = [
  { atLeast: 0.8, mark: 'same: ' },
  { atLeast: 0.5, mark: 'similar: ' },
  { atLeast: 0, mark: 'unlike: ' },
];

/** Dice coefficient of two token sets: 2|A∩B| / (|A| + |B|), 0 when both are empty. */
export function diceOverlap(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  if (A.size + B.size === 0) return 0;
  let shared = 0;
  for (const t of A) if (B.has(t)) shared++;
  return (2 * shared) / (A.size + B.size);
}

/** The subtokens of `neighbour` that `query` lacks, each once, in their first order. */
export function unsharedSubtokens(neighbour: readonly string[], query: readonly string[]): string[] {
  const own = new Set(query);
  return [...new Set(neighbour.filter((t) => !own.has(t)))];
}

export interface MemoryEntry {
  readonly path: string;
  readonly code: string;
  readonly summary: string;
}

/** Whether neighbours are marked by similarity (version 2), and how many of their tokens go before the code. */
export interface MemoryKind {
  readonly graded: boolean;
  readonly neighbourTokens: number;
}

/** Training functions a retrieval-augmented model looks up; saved beside the model as JSON. */
export class ExampleMemory {
  private readonly index: Bm25Index;

  private constructor(
    private readonly paths: readonly string[],
    private readonly summaries: readonly string[],
    subtokens: readonly (readonly string[])[],
    /** Marks the neighbour with its similarity (version 2); version 1 memories always say `similar: `. */
    readonly graded: boolean,
    /** Longest neighbour prefix in tokens, as the model was trained (version 1: NEIGHBOUR_MAX_TOKENS). */
    readonly neighbourTokens: number = NEIGHBOUR_MAX_TOKENS,
  ) {
    this.index = new Bm25Index(subtokens);
  }

  /**
   * A new memory is graded; `graded: false` builds the version 1 kind. `neighbourTokens` (graded
   * only) is how much of the neighbour's summary goes before the code.
   */
  static build(
    entries: readonly MemoryEntry[],
    options: { graded?: boolean; neighbourTokens?: number } = {},
  ): ExampleMemory {
    const graded = options.graded ?? true;
    const tokens = options.neighbourTokens ?? NEIGHBOUR_MAX_TOKENS;
    if (!graded && tokens !== NEIGHBOUR_MAX_TOKENS)
      throw new Error(`a version 1 memory always keeps ${NEIGHBOUR_MAX_TOKENS} neighbour tokens`);
    if (!Number.isInteger(tokens) || tokens < 1) throw new Error('neighbourTokens must be a whole number >= 1');
    return new ExampleMemory(
      entries.map((e) => e.path),
      entries.map((e) => scrubSecrets(e.summary)),
      // A key in the code would otherwise be saved, split into subtokens, in memory.json.
      entries.map((e) => codeSubtokens(scrubSecrets(e.code))),
      graded,
      tokens,
    );
  }

  get size(): number {
    return this.summaries.length;
  }

  /**
   * The most similar function's summary and the Dice overlap of the two functions' subtokens,
   * from a file other than `excludePath` when given.
   */
  lookup(
    code: string,
    excludePath?: string,
  ): { summary: string; similarity: number; path: string; index: number; unshared: string[] } | undefined {
    const skip = excludePath === undefined ? undefined : (doc: number) => this.paths[doc] === excludePath;
    const query = codeSubtokens(code);
    const hit = this.index.best(query, skip);
    if (hit < 0) return undefined;
    const document = this.index.documents[hit]!;
    return {
      summary: this.summaries[hit]!,
      similarity: diceOverlap(query, document),
      path: this.paths[hit]!,
      index: hit,
      unshared: unsharedSubtokens(document, query),
    };
  }

  /** The summary of the most similar function, from a file other than `excludePath` when given. */
  neighbour(code: string, excludePath?: string): string | undefined {
    return this.lookup(code, excludePath)?.summary;
  }

  /** The text put before the code: `<mark><summary>` (empty when nothing matched). */
  prefix(code: string, excludePath?: string): string {
    return this.prefixOf(this.lookup(code, excludePath));
  }

  /** {@link prefix} for a neighbour already looked up. */
  prefixOf(n: { summary: string; similarity: number } | undefined): string {
    if (n === undefined) return '';
    const mark = this.graded ? SIMILARITY_MARKS.find((m) => n.similarity >= m.atLeast)!.mark : NEIGHBOUR_MARK;
    return `${mark}${n.summary}`;
  }

  toJSON(): {
    version: 1 | 2;
    neighbourTokens?: number;
    paths: readonly string[];
    summaries: readonly string[];
    subtokens: string[];
  } {
    return {
      version: this.graded ? 2 : 1,
      ...(this.graded ? { neighbourTokens: this.neighbourTokens } : {}),
      paths: this.paths,
      summaries: this.summaries,
      subtokens: this.subtokenLines,
    };
  }

  private get subtokenLines(): string[] {
    return this.index.documents.map((d) => d.join(' '));
  }

  static fromJSON(v: unknown): ExampleMemory {
    const o = v as {
      version?: number;
      neighbourTokens?: unknown;
      paths?: unknown;
      summaries?: unknown;
      subtokens?: unknown;
    };
    if (
      (o?.version !== 1 && o?.version !== 2) ||
      !Array.isArray(o.paths) ||
      !Array.isArray(o.summaries) ||
      !Array.isArray(o.subtokens)
    )
      throw new Error('not a version 1 or 2 example memory');
    if (o.paths.length !== o.summaries.length || o.paths.length !== o.subtokens.length)
      throw new Error('the example memory is truncated');
    const kind = ExampleMemory.kindOf(o);
    return new ExampleMemory(
      o.paths as string[],
      o.summaries as string[],
      (o.subtokens as string[]).map((l) => (l ? l.split(' ') : [])),
      kind.graded,
      kind.neighbourTokens,
    );
  }

  /** How a saved memory marks and truncates neighbours, read from its JSON without building the index. */
  static kindOf(v: { version?: number; neighbourTokens?: unknown }): MemoryKind {
    const graded = v.version === 2;
    const tokens = v.neighbourTokens;
    return {
      graded,
      neighbourTokens: graded && typeof tokens === 'number' && tokens >= 1 ? tokens : NEIGHBOUR_MAX_TOKENS,
    };
  }
}
