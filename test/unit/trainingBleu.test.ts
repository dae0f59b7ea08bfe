/** BLEU golden values, hand-computed in the comments. */
import * as assert from 'assert';
import {
  averageSentenceBleu,
  bleuTokens,
  corpusBleu,
  corpusBleuText,
  exactMatch,
  sentenceBleu,
} from '../../src/training/bleu';

const toks = (s: string): string[] => s.split(' ');
const close = (a: number, b: number, msg = ''): void => assert.ok(Math.abs(a - b) < 1e-9, `${msg} ${a} != ${b}`);

describe('training/bleu', () => {
  it('tokenizes like CodeXGLUE: lower-case, words and single punctuation', () => {
    assert.deepStrictEqual(bleuTokens("Returns the HTTP-header's value."), [
      'returns',
      'the',
      'http',
      '-',
      'header',
      "'",
      's',
      'value',
      '.',
    ]);
    assert.deepStrictEqual(bleuTokens('  '), []);
  });

  it('corpus BLEU: sums clipped counts over the corpus, standard brevity penalty', () => {
    // A: "a b c d e" vs "a b c d f": 1-4 grams 4/5, 3/4, 2/3, 1/2.  B: "x y" vs "x y z w": 2/2, 1/1, 0/0, 0/0.
    // Sums 6/7, 4/5, 2/3, 1/2; c = 7, r = 9: BP = exp(1 - 9/7).
    const expected = Math.exp(1 - 9 / 7) * Math.pow((6 / 7) * (4 / 5) * (2 / 3) * (1 / 2), 1 / 4);
    close(corpusBleu([toks('a b c d e'), toks('x y')], [toks('a b c d f'), toks('x y z w')]), expected);
  });

  it('corpus BLEU is 0 without smoothing when an order has no match, 1 for identical text', () => {
    // "the cat sat on the mat" vs "the cat is on the mat": 4-gram matches 0/3.
    assert.strictEqual(corpusBleuText(['the cat sat on the mat'], ['the cat is on the mat']), 0);
    close(corpusBleuText(['The cat.'.repeat(1) + ' sat on the mat'], ['the cat . sat on the mat']), 1);
    // smoothed: (5/6 * 4/6 * 2/5 * 1/4)^(1/4) = (1/18)^(1/4)
    close(
      corpusBleuText(['the cat sat on the mat'], ['the cat is on the mat'], { smooth: true }),
      Math.pow(1 / 18, 0.25),
    );
  });

  it('uses the effective order when no candidate is long enough for 4-grams', () => {
    close(corpusBleuText(['load write file', 'get user'], ['load write file', 'get user']), 1);
    // "a b" vs "a b c": unigrams 2/2, bigrams 1/1, no trigrams or 4-grams; BP exp(1 - 3/2)
    close(corpusBleu([toks('a b')], [toks('a b c')]), Math.exp(1 - 3 / 2));
    // "a x b" vs "a b c": 2/3, 0/2 -> 0 (a zero precision still zeroes it)
    assert.strictEqual(corpusBleu([toks('a x b')], [toks('a b c')]), 0);
  });

  it('clips repeated candidate n-grams by the reference count', () => {
    // "the the the the" vs "the cat": unigram 1/4, bigram 0/3 -> smoothed (1/4 * 1/4 * 1/3 * 1/2)^(1/4); BP 1
    close(
      corpusBleu([toks('the the the the')], [toks('the cat')], { smooth: true }),
      Math.pow((1 / 4) * (1 / 4) * (1 / 3) * (1 / 2), 0.25),
    );
  });

  it('sentence BLEU (CodeXGLUE): +1 smoothing for n >= 2 and BP exp(1 - (r+1)/(c+1))', () => {
    // p = 5/6, (3+1)/(5+1), (1+1)/(4+1), (0+1)/(3+1); r = c -> BP 1
    close(sentenceBleu('the cat sat on the mat', 'The cat is on the mat'), Math.pow(1 / 18, 0.25));
    // "x y" vs "x y z w": p = 2/2, 2/2, 1/1, 1/1; BP = exp(1 - 5/3)
    close(sentenceBleu('x y', 'x y z w'), Math.exp(1 - 5 / 3));
    // "Hello World" vs "hello world!": BP = exp(1 - 4/3)
    close(sentenceBleu('Hello World', 'hello world!'), Math.exp(1 - 4 / 3));
    assert.strictEqual(sentenceBleu('', 'something'), 0);
    assert.strictEqual(sentenceBleu('nothing shared', 'at all'), 0);
  });

  it('averages sentence BLEU over sentences', () => {
    close(averageSentenceBleu(['x y', 'same text here'], ['x y z w', 'Same text here']), (Math.exp(1 - 5 / 3) + 1) / 2);
    assert.throws(() => averageSentenceBleu(['a'], []), /1 candidates but 0 references/);
  });

  it('exact match ignores surrounding and repeated whitespace only', () => {
    assert.strictEqual(exactMatch(['a  b ', 'A b', 'c'], ['a b', 'a b', 'c']), 2 / 3);
  });
});
