import * as assert from 'assert';

import type { CorpusRecord } from '../../src/mining/dataset';
import { lcsLength, sentenceRougeL, averageRougeL } from '../../src/training/rouge';
import { scoreSystems, seededPerLanguageSample } from '../../src/training/quality';
import { BM25_PROJECT, projectBaselines, projectWorkspaces, sideBySide } from '../../src/training/projectBenchmark';

const record = (
  project: string,
  file: string,
  name: string,
  code: string,
  summary: string,
  lang = 'python',
): CorpusRecord =>
  ({ project, path: file, name, line: 1, code, summary, lang, doc: summary, params: [], throws: [] }) as CorpusRecord;

describe('quality on held-out projects', () => {
  it('ROUGE-L: the longest common subsequence as an F measure with beta 1.2', () => {
    assert.strictEqual(lcsLength(['a', 'b', 'c', 'd'], ['a', 'c', 'd', 'e']), 3);
    assert.strictEqual(lcsLength([], ['a']), 0);
    assert.strictEqual(sentenceRougeL('Read the file.', 'Read the file.'), 1);
    assert.strictEqual(sentenceRougeL('nothing shared', 'Read the file.'), 0);
    // hyp "read the whole file" (4 tokens), ref "read the file ." (4): LCS 3, P = R = 0.75.
    assert.ok(Math.abs(sentenceRougeL('read the whole file', 'read the file.') - 0.75) < 1e-12);
    // P = 1 (2/2), R = 0.5 (2/4): F = (1 + 1.44) * 0.5 / (0.5 + 1.44) = 0.6289...
    assert.ok(Math.abs(sentenceRougeL('read file', 'read the file.') - (2.44 * 0.5) / (0.5 + 1.44)) < 1e-12);
    assert.strictEqual(averageRougeL(['a', 'b'], ['a', 'c']), 0.5);
  });

  it('scores chrF and ROUGE-L beside BLEU in every row', () => {
    const test = [record('p', 'a.py', 'f', 'def f(): pass', 'Read the file.')];
    const [row] = scoreSystems(test, { good: ['Read the file.'] });
    assert.strictEqual(row!.chrf, 100);
    assert.strictEqual(row!.rougeL, 100);
  });

  it("a project's workspace gives neighbours from its own other files, never another project's", () => {
    const records = [
      record('alpha', 'io.py', 'read_file', 'def read_file(path): return open(path).read()', 'Read a whole file.'),
      record('alpha', 'text.py', 'read_text', 'def read_text(path): return open(path).read()', 'Read a text file.'),
      record(
        'beta',
        'net.py',
        'read_text2',
        'def read_text(path): return open(path).read()',
        'Fetch from the network.',
      ),
      record('beta', 'solo.py', 'lonely', 'def lonely(): return 1', 'Return one.'),
    ];
    const workspaces = projectWorkspaces(records);
    assert.deepStrictEqual([...workspaces.keys()].sort(), ['alpha', 'beta']);
    const bm25 = projectBaselines(records, workspaces)[BM25_PROJECT]!;
    assert.strictEqual(bm25[0], 'Read a text file.');
    assert.strictEqual(bm25[1], 'Read a whole file.');
    // beta's read_text has no same-project neighbour that shares its words but lonely, and
    // never alpha's (which is a near-copy).
    assert.notStrictEqual(bm25[2], 'Read a whole file.');
    assert.notStrictEqual(bm25[2], 'Read a text file.');
  });

  it('draws the same seeded sample of each language every time', () => {
    const records = Array.from({ length: 30 }, (_, i) =>
      record(`p${i % 3}`, `f${i}.py`, `f${i}`, `def f${i}(): pass`, `Do ${i}.`, i % 2 ? 'python' : 'go'),
    );
    const a = seededPerLanguageSample(records, 4, 7);
    const b = seededPerLanguageSample(records.slice(), 4, 7);
    assert.deepStrictEqual(
      a.map((r) => r.name),
      b.map((r) => r.name),
    );
    assert.deepStrictEqual(
      a.map((r) => r.lang),
      ['go', 'go', 'go', 'go', 'python', 'python', 'python', 'python'],
    );
    const table = sideBySide(a, { x: a.map((r) => `said ${r.name} | piped`) }, ['x'], 2);
    assert.match(table, /#### go/);
    assert.match(table, /said f\d+ \\\| piped/);
    assert.strictEqual(table.split('\n').filter((l) => l.startsWith('| `')).length, 4);
  });
});
