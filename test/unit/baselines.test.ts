import * as assert from 'assert';
import {
  Bm25Index,
  codeSubtokens,
  nameBaseline,
  retrievalBaseline,
  splitIdentifier,
} from '../../bench/quality/baselines';

describe('quality baselines', () => {
  it('splits identifiers at case changes, digits and underscores', () => {
    assert.deepStrictEqual(splitIdentifier('parseHTTPHeader_v2'), ['parse', 'HTTP', 'Header', 'v2']);
    assert.strictEqual(nameBaseline('get_user_by_id'), 'get user by id');
    assert.deepStrictEqual(codeSubtokens('def readFile(path): return open(path)'), [
      'def',
      'read',
      'file',
      'path',
      'return',
      'open',
      'path',
    ]);
  });

  it('BM25 matches a hand-computed idf and ranks the matching document first', () => {
    const index = new Bm25Index([
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'c', 'd'],
    ]);
    // idf(a) = ln(1 + (3 - 1 + 0.5) / (1 + 0.5))
    assert.ok(Math.abs(index.idf('a') - Math.log(1 + 2.5 / 1.5)) < 1e-12);
    assert.strictEqual(index.best(['d']), 2);
    assert.strictEqual(index.best(['a', 'b']), 0);
    assert.strictEqual(index.best(['zzz']), -1);
  });

  it('retrieves the summary of the most similar training function', () => {
    const train = [
      { code: 'def add(a, b): return a + b', summary: 'Add two numbers.' },
      { code: 'def read_file(path): return open(path).read()', summary: 'Read a file.' },
    ];
    assert.deepStrictEqual(retrievalBaseline(train, ['def read_text(path): return open(path).read()']), [
      'Read a file.',
    ]);
  });
});
