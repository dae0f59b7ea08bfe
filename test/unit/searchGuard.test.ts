/**
 * Find Code's keyword guard: a query whose re-ranking puts first a candidate BM25 ranked low, while
 * the model barely prefers it, keeps BM25's order; and bench:search counts the queries whose right
 * answer the re-ranking moved down.
 */
import * as assert from 'assert';
import { rankMetrics, rankUnder, type ScoredQuery } from '../../bench/search/evaluate';
import { keepsKeywordOrder, NO_KEYWORD_GUARD, zScores } from '../../src/inference/codeSearch';

const guard = { minDisplacement: 4, maxModelMargin: 0.5 };
const weights = { bm25: 0.1, code2doc: 0.9, doc2code: 0 };

describe('keyword guard', () => {
  it('keeps BM25 order only when the re-ranking disagrees strongly and the model is unsure', () => {
    // Re-ranked first: BM25's 5th, by a hair over the model's runner-up.
    const unsure = [0, 0.1, 0.2, 0.3, 1.0, 0.98];
    assert.strictEqual(keepsKeywordOrder(unsure, unsure, guard), true);
    // Same disagreement, but the model is sure.
    const sure = [0, 0.1, 0.2, 0.3, 3.0, 0.5];
    assert.strictEqual(keepsKeywordOrder(sure, sure, guard), false);
    // Unsure, but only BM25's 2nd moves up: a mild disagreement.
    const mild = [0.9, 1.0, 0.2, 0.1];
    assert.strictEqual(keepsKeywordOrder(mild, mild, guard), false);
    assert.strictEqual(keepsKeywordOrder(unsure, unsure, NO_KEYWORD_GUARD), false);
  });

  it('bench: a guarded query ranks its answer where BM25 did, and the moved-down share counts the rest', () => {
    const q = (target: number, code2doc: number[]): ScoredQuery => ({
      lang: 'python',
      project: 'p',
      target,
      bm25: [9, 8, 7, 6, 5, 4],
      code2doc,
      doc2code: [],
    });
    // The model prefers BM25's 5th by a hair: unguarded, the right answer (BM25's 1st) moves down.
    const hair = q(0, [-2.0, -2.6, -2.7, -2.8, -1.8, -2.9]);
    assert.ok(zScores(hair.code2doc)[4]! - zScores(hair.code2doc)[0]! < 0.5);
    assert.ok(rankUnder(hair, weights)! > 1);
    assert.strictEqual(rankUnder(hair, weights, guard), 1);
    // A confident re-ranking that lifts the right answer stays.
    const lift = q(4, [-3, -3.1, -3.2, -3.3, -0.5, -3.4]);
    assert.strictEqual(rankUnder(lift, weights, guard), 1);
    const before = rankMetrics([hair, lift], weights);
    const after = rankMetrics([hair, lift], weights, guard);
    assert.strictEqual(before.movedDown, 0.5);
    assert.strictEqual(after.movedDown, 0);
    assert.ok(after.mrr > before.mrr);
  });
});
