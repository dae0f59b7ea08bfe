/**
 * The fine-tuning guard's margin rule: a fine-tuned model is installed only when it is ahead on
 * both chrF and smoothed BLEU-4 in at least 80 % of paired bootstrap resamples of the held-out
 * functions; a lead on the averages alone, or a tie, is not enough. The message gives both
 * numbers and both shares.
 */
import * as assert from 'assert';

import { pairedBootstrapChrf } from '../../src/training/chrf';
import {
  GUARD_MARGIN,
  guardDecision,
  heldOutScore,
  marginRows,
  marginVerdict,
  type MarginRow,
} from '../../src/training/guard';
import { pairedBootstrap } from '../../src/training/quality';
import { GUARD_MIN_FUNCTIONS } from '../../src/training/trainingDefaults';

const WORDS = ['parsed', 'node', 'table', 'contents', 'file', 'value', 'cache', 'entry', 'path', 'token'];

/**
 * `n` held-out functions: on the first `tunedWins` the fine-tuned model writes the reference and
 * the base something unrelated, on the next `baseWins` the other way round, and on the rest both
 * write the same middling sentence.
 */
function heldOut(n: number, tunedWins: number, baseWins: number): { refs: string[]; base: string[]; tuned: string[] } {
  const refs: string[] = [];
  const base: string[] = [];
  const tuned: string[] = [];
  for (let i = 0; i < n; i++) {
    const ref = `Returns the ${WORDS[i % 10]} of the ${WORDS[(i * 3 + 1) % 10]} list number ${i}.`;
    const bad = `Build a ${WORDS[(i + 5) % 10]}.`;
    const mid = `Returns the ${WORDS[(i + 2) % 10]} list.`;
    refs.push(ref);
    if (i < tunedWins) {
      base.push(bad);
      tuned.push(ref);
    } else if (i < tunedWins + baseWins) {
      base.push(ref);
      tuned.push(bad);
    } else {
      base.push(mid);
      tuned.push(mid);
    }
  }
  return { refs, base, tuned };
}

describe('fine-tuning guard with a margin', () => {
  it('refuses a fine-tune that is higher on average but ahead in too few resamples, and says so', () => {
    const { refs, base, tuned } = heldOut(40, 11, 9);
    const verdict = marginVerdict(marginRows(refs, base, tuned));
    // Higher on both averages: the old rule ("higher, by any amount") would have installed it.
    assert.ok(verdict.tuned.chrf > verdict.base.chrf, JSON.stringify(verdict));
    assert.ok(verdict.tuned.sentenceBleu > verdict.base.sentenceBleu, JSON.stringify(verdict));
    // ...but a lead this small is a coin toss under resampling.
    assert.ok(verdict.shares.chrf > 0.5 && verdict.shares.chrf < GUARD_MARGIN, JSON.stringify(verdict.shares));
    assert.ok(verdict.shares.sentenceBleu > 0.5 && verdict.shares.sentenceBleu < GUARD_MARGIN);
    assert.strictEqual(verdict.ahead, false);
    const decision = guardDecision(verdict, 'the bundled model');
    assert.strictEqual(decision.better, false);
    const pct = (x: number): string => `${Math.round(100 * x)}%`;
    assert.match(decision.message, /did not beat the bundled model on your held-out functions/);
    assert.match(decision.message, /chrF \d+\.\d+ vs \d+\.\d+, smoothed BLEU-4 \d+\.\d+ vs \d+\.\d+ on 40 held-out/);
    assert.ok(
      decision.message.includes(
        `ahead on chrF in ${pct(verdict.shares.chrf)} and on smoothed BLEU-4 in ${pct(verdict.shares.sentenceBleu)} of 1000 paired resamples`,
      ),
      decision.message,
    );
    assert.match(decision.message, /at least 80%.*kept the bundled model/);
  });

  it('installs a clear win, and the message gives both numbers and both shares', () => {
    const { refs, base, tuned } = heldOut(40, 16, 2);
    const verdict = marginVerdict(marginRows(refs, base, tuned));
    assert.ok(verdict.shares.chrf >= 0.95 && verdict.shares.sentenceBleu >= 0.95, JSON.stringify(verdict.shares));
    const decision = guardDecision(verdict, '"my-model"');
    assert.strictEqual(decision.better, true);
    assert.deepStrictEqual(decision.margin, verdict.shares);
    assert.match(decision.message, /beats "my-model" on your held-out functions: chrF/);
    assert.match(decision.message, /ahead on chrF in \d+% and on smoothed BLEU-4 in \d+% of 1000 paired resamples/);
  });

  it('one metric ahead is not enough: it needs both', () => {
    // chrF ignores spaces, BLEU's tokens do not: the reference run together wins chrF and loses
    // smoothed BLEU-4 to a single right word.
    const refs = Array.from({ length: 30 }, (_, i) => `cache${i} entry${i} is read`);
    const base = refs.map(() => 'read');
    const tuned = refs.map((r) => r.replace(/ /g, ''));
    const verdict = marginVerdict(marginRows(refs, base, tuned));
    assert.ok(verdict.shares.chrf >= GUARD_MARGIN, JSON.stringify(verdict.shares));
    assert.ok(verdict.shares.sentenceBleu < GUARD_MARGIN, JSON.stringify(verdict.shares));
    assert.strictEqual(verdict.ahead, false);
  });

  it('a tie is no win (0.0 vs 0.0 included), and nothing to score installs nothing', () => {
    const refs = ['Returns the node.', 'Builds the table.'];
    const same = marginVerdict(marginRows(refs, ['x', 'y'], ['x', 'y']));
    assert.deepStrictEqual([same.shares.chrf, same.shares.sentenceBleu, same.ahead], [0, 0, false]);
    const empty = marginVerdict(marginRows(refs, ['', ''], ['', '']));
    assert.strictEqual(empty.tuned.chrf, 0);
    assert.strictEqual(empty.ahead, false);
    const none = guardDecision(marginVerdict([]), 'the bundled model');
    assert.strictEqual(none.better, false);
    assert.match(none.message, /no held-out functions.*kept the bundled model/);
  });

  it("draws the same resamples as quality.ts's paired bootstrap, and its totals are the held-out scores", () => {
    const { refs, base, tuned } = heldOut(25, 8, 6);
    const verdict = marginVerdict(marginRows(refs, base, tuned), { samples: 300, seed: 7 });
    assert.strictEqual(verdict.shares.chrf, pairedBootstrapChrf(refs, tuned, base, 300, 7));
    assert.strictEqual(verdict.shares.sentenceBleu, pairedBootstrap(refs, tuned, base, 300, 7).sentenceBleu);
    const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;
    const hb = heldOutScore(base, refs);
    assert.ok(close(verdict.base.chrf, hb.chrf) && close(verdict.base.sentenceBleu, hb.sentenceBleu));
    assert.strictEqual(verdict.tuned.pairs, 25);
  });

  it('works on plain score rows (as the default model ship rule gives them)', () => {
    const row = (b: number, t: number): MarginRow => ({
      base: { chrf: [[10, 10, b]], sentenceBleu: b },
      tuned: { chrf: [[10, 10, t]], sentenceBleu: t },
    });
    const clear = Array.from({ length: 50 }, (_, i) => row(3, i % 5 === 0 ? 3 : 6));
    assert.strictEqual(marginVerdict(clear).ahead, true);
    const noisy = Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? row(2, 8) : row(7, 2)));
    assert.strictEqual(marginVerdict(noisy).ahead, false);
  });

  it('never installs on fewer held-out functions than GUARD_MIN_FUNCTIONS, and says why', () => {
    // Every function a clear win: on 40 it installs, on 4 it does not.
    const { refs, base, tuned } = heldOut(40, 40, 0);
    assert.strictEqual(guardDecision(marginVerdict(marginRows(refs, base, tuned)), 'x').better, true);
    const few = guardDecision(
      marginVerdict(marginRows(refs.slice(0, 4), base.slice(0, 4), tuned.slice(0, 4))),
      'the bundled model',
    );
    assert.strictEqual(few.better, false);
    assert.ok(few.margin!.chrf >= GUARD_MARGIN, JSON.stringify(few.margin));
    assert.match(
      few.message,
      new RegExp(
        `did not beat.*on at least ${GUARD_MIN_FUNCTIONS} held-out functions: this workspace left 4\\) — kept`,
      ),
    );
  });
});
