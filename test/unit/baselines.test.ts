import * as assert from 'assert';
import {
  Bm25Index,
  codeSubtokens,
  nameBaseline,
  retrievalBaseline,
  splitIdentifier,
  ExampleMemory,
  NEIGHBOUR_MARK,
} from '../../src/data/retrieval';

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

  it('an example memory finds the nearest function in another file, and survives a JSON round trip', () => {
    const memory = ExampleMemory.build([
      { path: 'x.py', code: 'def read_file(path): return open(path).read()', summary: 'Read a file.' },
      { path: 'y.py', code: 'def read_lines(path): return open(path).readlines()', summary: 'Read lines.' },
      { path: 'z.py', code: 'def add(a, b): return a + b', summary: 'Add two numbers.' },
    ]);
    const query = 'def read_file(path): return open(path).read()';
    assert.strictEqual(memory.neighbour(query), 'Read a file.');
    assert.strictEqual(memory.neighbour(query, 'x.py'), 'Read lines.', 'the function itself is skipped');
    assert.strictEqual(memory.prefix(query, 'x.py'), `${NEIGHBOUR_MARK}Read lines.`);
    assert.strictEqual(memory.prefix('zzz qqq'), '');
    const back = ExampleMemory.fromJSON(JSON.parse(JSON.stringify(memory.toJSON())));
    assert.strictEqual(back.size, 3);
    assert.strictEqual(back.neighbour(query, 'x.py'), 'Read lines.');
    assert.throws(
      () => ExampleMemory.fromJSON({ version: 1, paths: ['a'], summaries: [], subtokens: [] }),
      /truncated/,
    );
  });
});
