/**
 * chrF against sacreBLEU 2's published values (the sacreBLEU chrF metric card's examples, default
 * settings: character order 6, beta 2, whitespace removed, case kept) and hand-checked edge cases.
 */
import * as assert from 'assert';
import { chrfFromStats, chrfStats, corpusChrf, sentenceChrf, sumChrfStats } from '../../src/training/chrf';

const close = (a: number, b: number, eps = 1e-9): void => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

describe('training/chrf', () => {
  it('matches sacreBLEU on one sentence pair', () => {
    close(
      sentenceChrf(
        'The relationship between Obama and Netanyahu is not exactly friendly.',
        'The ties between Obama and Netanyahu are not particularly friendly.',
      ),
      61.576379378113785,
    );
  });

  it('matches sacreBLEU corpus chrF (statistics summed over pairs, case-sensitive)', () => {
    close(
      corpusChrf(
        [
          'The relationship between cats and dogs is not exactly friendly.',
          'a good bookshop is just a genteel black hole that knows how to read.',
        ],
        [
          'The relationship between dogs and cats is not exactly friendly.',
          'A good bookshop is just a genteel Black Hole that knows how to read.',
        ],
      ),
      84.64214891738334,
    );
  });

  it('is 100 for identical texts, 0 for disjoint ones, and ignores whitespace', () => {
    close(sentenceChrf('Returns the value.', 'Returns the value.'), 100);
    close(sentenceChrf('Returns  the\tvalue.', 'Returnsthevalue.'), 100);
    assert.strictEqual(sentenceChrf('xyz', 'abc'), 0);
    assert.strictEqual(sentenceChrf('', 'abc'), 0);
  });

  it('uses the effective order: a 2-character hypothesis is scored on orders 1 and 2', () => {
    // "ab" vs "abc": order 1 P=1 R=2/3, order 2 P=1 R=1/2; orders 3..6 have no hypothesis n-grams.
    const s = chrfStats('ab', 'abc');
    assert.deepStrictEqual(s[2], [0, 1, 0]);
    const p = 1;
    const r = (2 / 3 + 1 / 2) / 2;
    close(chrfFromStats(s), (100 * 5 * p * r) / (4 * p + r));
    close(chrfFromStats(sumChrfStats([s])), chrfFromStats(s));
  });
});
