/**
 * ROUGE-L (Lin 2004): the longest common subsequence of a hypothesis and its reference, as an F
 * measure with recall weighted by beta = 1.2, the setting code-summarisation papers report
 * (the coco-caption scorer used by NeuralCodeSum and CodeXGLUE-style tables). Tokens are BLEU's
 * (lower-cased words and punctuation), so every metric of a quality table reads the same text.
 * A dynamic-programming LCS over two short sentences: written here, since the npm packages that
 * offer ROUGE tokenise differently and pull in a natural-language toolkit for one function.
 */
import { bleuTokens } from './bleu';

export const ROUGE_BETA = 1.2;

/** Length of the longest common subsequence of two token lists. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  let prev = new Uint16Array(b.length + 1);
  let row = new Uint16Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++)
      row[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, row[j - 1]!);
    [prev, row] = [row, prev];
  }
  return prev[b.length]!;
}

/** Sentence ROUGE-L F (beta 1.2) of one pair, 0..1; 0 when either side is empty. */
export function sentenceRougeL(hypothesis: string, reference: string, beta = ROUGE_BETA): number {
  const h = bleuTokens(hypothesis);
  const r = bleuTokens(reference);
  const lcs = lcsLength(h, r);
  if (lcs === 0) return 0;
  const precision = lcs / h.length;
  const recall = lcs / r.length;
  return ((1 + beta * beta) * precision * recall) / (recall + beta * beta * precision);
}

/** Mean sentence ROUGE-L over the pairs, 0..1. */
export function averageRougeL(hypotheses: readonly string[], references: readonly string[]): number {
  if (hypotheses.length !== references.length) throw new Error('averageRougeL: one hypothesis per reference');
  if (hypotheses.length === 0) return 0;
  return hypotheses.reduce((s, h, i) => s + sentenceRougeL(h, references[i]!), 0) / hypotheses.length;
}
