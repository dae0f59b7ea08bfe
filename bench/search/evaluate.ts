/**
 * The search benchmark's evaluation: for a documented function of a project, its summary is the
 * query and that project (with this summary removed from the index) is searched; the rank of the
 * function among BM25's top candidates, before and after re-ranking, gives MRR and recall@k.
 * Model scores of each query's candidates are computed once, so every weighting of BM25 and the
 * model's two directions is evaluated on the same numbers (weights are chosen on validation
 * projects, then applied once to the test projects).
 */
import { searchTokens, type IndexedFunction } from '../../src/retrieval/functionIndex';
import { Bm25Index, codeSubtokens } from '../../src/retrieval/retrieval';
import {
  code2docScores,
  doc2codeScores,
  keepsKeywordOrder,
  NO_KEYWORD_GUARD,
  zScores,
  type KeywordGuard,
  type RerankWeights,
  type ScoringModel,
} from '../../src/inference/codeSearch';

/** One query's candidates with their scores; `target` is the searched function's place among them (-1: not there). */
export interface ScoredQuery {
  readonly lang: string;
  readonly project: string;
  readonly target: number;
  readonly bm25: readonly number[];
  readonly code2doc: readonly number[];
  readonly doc2code: readonly number[];
}

/**
 * BM25's top `k` for `query.summary` over the project's functions, the query function's own
 * summary removed (its code stays), and the model's scores of those candidates.
 */
export function scoreQuery(
  project: string,
  functions: readonly IndexedFunction[],
  queryIndex: number,
  k: number,
  scorer: ScoringModel | undefined,
  withDoc2code = false,
): ScoredQuery {
  const query = functions[queryIndex]!;
  const docs = functions.map((f, i) => (i === queryIndex ? searchTokens({ code: f.code }) : searchTokens(f)));
  const hits = new Bm25Index(docs).top(codeSubtokens(query.summary ?? ''), k);
  const codes = hits.map((h) => functions[h.doc]!.code);
  const text = query.summary ?? '';
  return {
    lang: query.lang,
    project,
    target: hits.findIndex((h) => h.doc === queryIndex),
    bm25: hits.map((h) => h.score),
    code2doc: scorer && codes.length > 0 ? code2docScores(scorer, text, codes) : [],
    doc2code: scorer && withDoc2code && codes.length > 0 ? doc2codeScores(scorer, text, codes) : [],
  };
}

/**
 * 1-based rank of the target under the weighting (ties: BM25's order), or undefined when BM25
 * missed it; a query the guard keeps in BM25's order ranks it where BM25 did.
 */
export function rankUnder(
  q: ScoredQuery,
  w: RerankWeights,
  guard: KeywordGuard = NO_KEYWORD_GUARD,
): number | undefined {
  if (q.target < 0) return undefined;
  const zb = zScores(q.bm25);
  const zc = q.code2doc.length ? zScores(q.code2doc) : zb.map(() => 0);
  const zd = q.doc2code.length ? zScores(q.doc2code) : zb.map(() => 0);
  const score = (i: number): number => w.bm25 * zb[i]! + w.code2doc * zc[i]! + w.doc2code * zd[i]!;
  if (
    w.code2doc !== 0 &&
    q.code2doc.length &&
    keepsKeywordOrder(
      q.bm25.map((_, i) => score(i)),
      zc,
      guard,
    )
  )
    return q.target + 1;
  const t = score(q.target);
  let rank = 1;
  for (let i = 0; i < q.bm25.length; i++) if (score(i) > t || (score(i) === t && i < q.target)) rank++;
  return rank;
}

export interface RankMetrics {
  readonly queries: number;
  readonly mrr: number;
  readonly recall1: number;
  readonly recall5: number;
  readonly recall10: number;
  /** Share of the queries whose right answer ranks lower than under BM25 alone (what a user sees get worse). */
  readonly movedDown: number;
}

/** MRR (a miss counts 0), recall@1/5/10 and the moved-down share of the queries under one weighting. */
export function rankMetrics(
  queries: readonly ScoredQuery[],
  w: RerankWeights,
  guard: KeywordGuard = NO_KEYWORD_GUARD,
): RankMetrics {
  let mrr = 0;
  let down = 0;
  const hits = [0, 0, 0];
  for (const q of queries) {
    const r = rankUnder(q, w, guard);
    if (r === undefined) continue;
    mrr += 1 / r;
    if (r > q.target + 1) down++;
    [1, 5, 10].forEach((k, i) => (hits[i]! += r <= k ? 1 : 0));
  }
  const n = Math.max(1, queries.length);
  return {
    queries: queries.length,
    mrr: mrr / n,
    recall1: hits[0]! / n,
    recall5: hits[1]! / n,
    recall10: hits[2]! / n,
    movedDown: down / n,
  };
}

/** The guards tried on validation projects (with the weights already chosen). */
export function guardGrid(): KeywordGuard[] {
  const out: KeywordGuard[] = [NO_KEYWORD_GUARD];
  for (const minDisplacement of [2, 3, 4, 6, 8, 11])
    for (const maxModelMargin of [0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, Infinity])
      out.push({ minDisplacement, maxModelMargin });
  return out;
}

/**
 * The guard for `w` on validation queries: the lowest macro moved-down share among guards whose
 * macro MRR is at least the unguarded re-ranking's (a guard must not cost MRR); first of the grid on ties.
 */
export function chooseGuard(
  queries: readonly ScoredQuery[],
  w: RerankWeights,
): { guard: KeywordGuard; mrr: number; movedDown: number } {
  const langs = [...new Set(queries.map((q) => q.lang))];
  const macro = (g: KeywordGuard): { mrr: number; movedDown: number } => {
    const ms = langs.map((l) =>
      rankMetrics(
        queries.filter((q) => q.lang === l),
        w,
        g,
      ),
    );
    return {
      mrr: ms.reduce((s, m) => s + m.mrr, 0) / Math.max(1, ms.length),
      movedDown: ms.reduce((s, m) => s + m.movedDown, 0) / Math.max(1, ms.length),
    };
  };
  const none = macro(NO_KEYWORD_GUARD);
  let best = { guard: NO_KEYWORD_GUARD, ...none };
  for (const g of guardGrid()) {
    const m = macro(g);
    if (m.mrr >= none.mrr - 1e-12 && m.movedDown < best.movedDown - 1e-12) best = { guard: g, ...m };
  }
  return best;
}

/** The query as if BM25 had handed only its top `k` candidates to the model (scores kept). */
export function shortlist(q: ScoredQuery, k: number): ScoredQuery {
  if (q.bm25.length <= k) return q;
  return {
    ...q,
    target: q.target < k ? q.target : -1,
    bm25: q.bm25.slice(0, k),
    code2doc: q.code2doc.slice(0, k),
    doc2code: q.doc2code.slice(0, k),
  };
}

export const BM25_ONLY: RerankWeights = { bm25: 1, code2doc: 0, doc2code: 0 };
export const MODEL_ONLY: RerankWeights = { bm25: 0, code2doc: 1, doc2code: 0 };

/** The weightings tried on validation projects. */
export function weightGrid(withDoc2code: boolean): RerankWeights[] {
  const out: RerankWeights[] = [];
  for (let b = 0; b <= 10; b++)
    for (const d of withDoc2code ? [0, 0.25, 0.5] : [0]) out.push({ bm25: b / 10, code2doc: 1 - b / 10, doc2code: d });
  return out;
}

/** The weighting with the best MRR averaged over languages (macro), first of the grid on ties. */
export function chooseWeights(queries: readonly ScoredQuery[]): { weights: RerankWeights; mrr: number } {
  const langs = [...new Set(queries.map((q) => q.lang))];
  let best = { weights: BM25_ONLY, mrr: -1 };
  for (const w of weightGrid(queries.some((q) => q.doc2code.length > 0))) {
    const mrr =
      langs.reduce(
        (s, l) =>
          s +
          rankMetrics(
            queries.filter((q) => q.lang === l),
            w,
          ).mrr,
        0,
      ) / langs.length;
    if (mrr > best.mrr + 1e-12) best = { weights: w, mrr };
  }
  return best;
}
