import * as assert from 'assert';

import type { CorpusRecord } from '../../src/mining/dataset';
import { bestThreshold, flagQuality, staleCases, thresholdAtPrecision } from '../../bench/staleness/run';

const rec = (project: string, name: string, summary: string): CorpusRecord =>
  ({
    project,
    path: `${name}.py`,
    name,
    line: 1,
    code: `def ${name}(): pass`,
    summary,
    lang: 'python',
    doc: summary,
    params: [],
    throws: [],
  }) as CorpusRecord;

describe('stale-summary benchmark', () => {
  it('pairs each sampled function with its own summary and with a sibling of its file', () => {
    const records = [rec('a', 'f', 'Do f.'), rec('a', 'g', 'Do g.'), rec('b', 'h', 'Do h.')].map((r) => ({
      ...r,
      path: r.project === 'a' ? 'one.py' : 'two.py',
    }));
    const cases = staleCases(records, 5, 1);
    // b has one function: no stale case can be made from it.
    assert.strictEqual(cases.length, 4);
    for (let i = 0; i < cases.length; i += 2) {
      assert.strictEqual(cases[i]!.stale, false);
      assert.strictEqual(cases[i + 1]!.stale, true);
      assert.strictEqual(cases[i]!.code, cases[i + 1]!.code);
      assert.notStrictEqual(cases[i]!.summary, cases[i + 1]!.summary);
      assert.ok(!cases[i + 1]!.summary.includes('h'), 'never a summary of another project');
    }
  });

  it('flags scores below the threshold and picks the threshold with the best F1', () => {
    const cases = [{ stale: true }, { stale: true }, { stale: false }, { stale: false }];
    const scores = [0.1, 0.3, 0.2, 0.9];
    assert.deepStrictEqual(flagQuality(scores, cases, 0.25), { precision: 0.5, recall: 0.5, f1: 0.5 });
    const t = bestThreshold(scores, cases);
    const q = flagQuality(scores, cases, t);
    assert.ok(q.f1 >= 0.8, `best F1 ${q.f1} at ${t}`);
    assert.strictEqual(flagQuality(scores, cases, -1).recall, 0);
    // At precision 1 only the lowest score may be flagged; no threshold reaches precision above 1.
    assert.strictEqual(thresholdAtPrecision(scores, cases, 1), 0.2);
    assert.strictEqual(thresholdAtPrecision([0.9, 0.1], [{ stale: true }, { stale: false }], 0.8), undefined);
  });
});
