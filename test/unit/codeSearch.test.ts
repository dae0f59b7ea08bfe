/** Find Code by Description: BM25 candidates, the model's re-rank, and `seq2seq search`. */
import * as assert from 'assert';
import { runCli } from './cliHarness';
import * as path from 'path';
import { bundledModelDir } from '../../src/cli/documentCommand';
import { registerSearchCommand } from '../../src/cli/searchCommand';
import { selectBackend } from '../../src/core/backend';
import { scoreTokens } from '../../src/core/search';
import { CODE2DOC_ID, EOS_ID } from '../../src/core/specialTokens';
import { FunctionIndex, type IndexedFunction } from '../../src/retrieval/functionIndex';
import { buildFunctionIndex } from '../../src/mining/indexMining';
import { ParserPool } from '../../src/parsing/parser';
import { code2docScores, rerank, searchCode, zScores } from '../../src/inference/codeSearch';
import { ModelRunner } from '../../src/inference/modelRunner';
import { rankMetrics, rankUnder, shortlist, type ScoredQuery } from '../../bench/search/evaluate';

const ROOT = path.join(__dirname, '..', '..', '..');
const WORKSPACE = path.join(ROOT, 'test', 'fixtures', 'workspace');

const run = (args: string[]): Promise<string> => runCli(registerSearchCommand, args);

const fn = (p: string, name: string, code: string, summary?: string): IndexedFunction => ({
  path: p,
  lang: 'python',
  name,
  line: 1,
  code,
  ...(summary ? { summary } : {}),
});

describe('code search', function () {
  this.timeout(300000);

  it('BM25 reads code subtokens and summaries; a replaced file changes the answer', () => {
    const index = new FunctionIndex('/ws');
    index.setFile('io.py', [fn('io.py', 'load_json', 'def load_json(path):\n    return json.load(open(path))')]);
    index.setFile('db.py', [fn('db.py', 'fetch', 'def fetch(q):\n    return run(q)', 'Query the database for rows.')]);
    assert.strictEqual(index.search('load the json', 5)[0]?.fn.name, 'load_json', 'identifier pieces match words');
    assert.strictEqual(index.search('database rows', 5)[0]?.fn.name, 'fetch', 'the summary counts');
    index.setFile('db.py', [fn('db.py', 'fetch', 'def fetch(q):\n    return run(q)')]);
    assert.deepStrictEqual(index.search('database rows', 5), [], 'the old summary is gone');
  });

  it('z-scores and the combination keep BM25 order on ties and follow the weights', () => {
    assert.deepStrictEqual(zScores([1, 1, 1]), [0, 0, 0]);
    const z = zScores([1, 2, 3]);
    assert.ok(Math.abs(z[0]! + z[2]!) < 1e-12 && z[1] === 0);
    const hits = ['a', 'b', 'c'].map((name, i) => ({
      fn: fn(`${name}.py`, name, `def ${name}(): pass`),
      score: 3 - i,
    }));
    assert.deepStrictEqual(
      rerank(hits, 'x', undefined, { bm25: 1, code2doc: 0, doc2code: 0 }).map((r) => r.fn.name),
      ['a', 'b', 'c'],
    );
    assert.throws(() => rerank(hits, 'x', undefined), /needs a loaded model/);
    const q: ScoredQuery = {
      lang: 'python',
      project: 'p',
      target: 2,
      bm25: [3, 2, 1],
      code2doc: [-5, -4, -1],
      doc2code: [],
    };
    assert.strictEqual(rankUnder(q, { bm25: 1, code2doc: 0, doc2code: 0 }), 3);
    assert.strictEqual(rankUnder(q, { bm25: 0, code2doc: 1, doc2code: 0 }), 1);
    const m = rankMetrics([q, { ...q, target: -1 }], { bm25: 1, code2doc: 0, doc2code: 0 });
    assert.deepStrictEqual([m.mrr, m.recall1, m.recall5], [1 / 6, 0, 0.5]);
    // A shorter shortlist keeps the scores of the first candidates and loses a target beyond it.
    assert.strictEqual(shortlist(q, 5), q);
    assert.deepStrictEqual(shortlist(q, 2), { ...q, target: -1, bm25: [3, 2], code2doc: [-5, -4], doc2code: [] });
    assert.strictEqual(rankUnder(shortlist({ ...q, target: 1 }, 2), { bm25: 0, code2doc: 1, doc2code: 0 }), 1);
  });

  describe('with the bundled model', () => {
    let runner: ModelRunner;
    before(async function () {
      const dir = bundledModelDir(ROOT);
      if (!dir) this.skip();
      await selectBackend({ setting: 'wasm' });
      runner = await ModelRunner.load(dir!);
    });
    after(() => runner?.dispose());

    it('the batched score equals the step-by-step teacher-forced score', () => {
      const codes = [
        'def area(r):\n    return 3.14 * r * r',
        'function reverse(s) { return s.split("").reverse().join(""); }',
      ];
      const sentence = 'Return the area of a circle.';
      const batched = code2docScores(runner, sentence, codes);
      const target = runner.tokenizer.encode(sentence);
      codes.forEach((code, i) => {
        const src = [CODE2DOC_ID, ...runner.tokenizer.encode(code).slice(0, 32), EOS_ID];
        const h = scoreTokens(runner.model, src, target);
        assert.ok(Math.abs(batched[i]! - h.logProb / (target.length + 1)) < 1e-3, `${batched[i]} vs ${h.logProb}`);
      });
    });

    it('finds the intended function of the fixture workspace, which has almost no doc comments', async () => {
      const parsers = new ParserPool();
      const { index } = await buildFunctionIndex(WORKSPACE, parsers);
      parsers.dispose();
      // Fewer than half of its functions have a doc comment (docs_stale.py has one, for the consistency hints).
      assert.ok(index.size >= 6 && index.documentedCount * 2 < index.size, `${index.documentedCount} of ${index.size}`);
      const ask = (q: string): (string | undefined)[] =>
        searchCode(index, q, runner, { limit: 3 }).map((h) => h.fn.name);
      const asked = [
        ['compute the area of a circle from its radius', 'circle_area'],
        ['distance between two points', 'distance'],
        ['count the words in a text', 'countWords'],
      ].map(([q, want]) => ({ want: want!, got: ask(q!) }));
      // Every intended function among the first two, and first for at least two of the three
      // queries: the bundled model v3 puts `reverse`, the documented function beside `countWords`,
      // first for the last one by a hair (mean log-probability -4.42 against -4.59). How well the
      // model ranks is bench:search's to measure, on held-out projects (README: v3 above v2 in
      // every language there).
      for (const { want, got } of asked) assert.ok(got.slice(0, 2).includes(want), `${want}: ${got.join(', ')}`);
      const first = asked.filter(({ want, got }) => got[0] === want).length;
      assert.ok(first >= 2, asked.map(({ got }) => got[0]).join(', '));
    });

    it('seq2seq search prints the ranked functions of --index', async () => {
      const text = await run(['search', 'area of a circle', '--index', WORKSPACE, '--limit', '2', '--backend', 'wasm']);
      assert.match(text, /functions in \d+ files under /);
      assert.match(text, /^1\. circle_area {2}geometry\.py:4$/m);
      const json = await run(['search', 'reverse a string', '--index', WORKSPACE, '--bm25-only', '--json']);
      const first = JSON.parse(json.split('\n')[0]!) as { name: string; path: string; line: number; rank: number };
      assert.deepStrictEqual([first.rank, first.name, first.path, first.line], [1, 'reverse', 'strings.ts', 6]);
      await assert.rejects(run(['search', 'x', '--index', path.join(WORKSPACE, 'missing')]), /no such folder/);
      await assert.rejects(run(['search', '  ', '--index', WORKSPACE]), /sentence is empty/);
    });
  });
});
