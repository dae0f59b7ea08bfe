import * as assert from 'assert';
import {
  Bm25Index,
  codeSubtokens,
  nameBaseline,
  splitIdentifier,
  diceOverlap,
  ExampleMemory,
  NEIGHBOUR_MARK,
  NEIGHBOUR_MAX_TOKENS,
} from '../../src/retrieval/retrieval';

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

  it('an example memory finds the nearest function in another file, and survives a JSON round trip', () => {
    const memory = ExampleMemory.build([
      { path: 'x.py', code: 'def read_file(path): return open(path).read()', summary: 'Read a file.' },
      { path: 'y.py', code: 'def read_lines(path): return open(path).readlines()', summary: 'Read lines.' },
      { path: 'z.py', code: 'def add(a, b): return a + b', summary: 'Add two numbers.' },
    ]);
    const query = 'def read_file(path): return open(path).read()';
    assert.strictEqual(memory.neighbour(query), 'Read a file.');
    assert.strictEqual(memory.neighbour(query, 'x.py'), 'Read lines.', 'the function itself is skipped');
    // A graded memory marks the neighbour by the Dice overlap of the code subtokens.
    assert.strictEqual(memory.lookup(query)?.similarity, 1);
    assert.strictEqual(memory.prefix(query), 'same: Read a file.');
    assert.strictEqual(
      diceOverlap(codeSubtokens(query), codeSubtokens('def read_lines(path): return open(path).readlines()')),
      10 / 13,
    );
    assert.strictEqual(memory.prefix(query, 'x.py'), 'similar: Read lines.');
    assert.strictEqual(
      memory.prefix('function addAll(values) { let s = 0; for (const v of values) s += v; }'),
      'unlike: Add two numbers.',
    );
    assert.strictEqual(memory.prefix('zzz qqq'), '');
    const back = ExampleMemory.fromJSON(JSON.parse(JSON.stringify(memory.toJSON())));
    assert.strictEqual(back.size, 3);
    assert.strictEqual(back.neighbour(query, 'x.py'), 'Read lines.');
    assert.strictEqual(back.prefix(query), 'same: Read a file.');
    // A version 1 memory (models trained before the grades) always says `similar: `.
    const v1 = ExampleMemory.fromJSON({ ...memory.toJSON(), version: 1 });
    assert.strictEqual(v1.graded, false);
    assert.strictEqual(v1.prefix(query), `${NEIGHBOUR_MARK}Read a file.`);
    assert.strictEqual(ExampleMemory.build([], { graded: false }).toJSON().version, 1);
    // How much of the neighbour goes before the code travels with the memory.
    assert.strictEqual(back.neighbourTokens, NEIGHBOUR_MAX_TOKENS);
    const long = ExampleMemory.build([], { neighbourTokens: 40 });
    assert.strictEqual(ExampleMemory.fromJSON(JSON.parse(JSON.stringify(long.toJSON()))).neighbourTokens, 40);
    assert.strictEqual(v1.neighbourTokens, NEIGHBOUR_MAX_TOKENS);
    assert.throws(() => ExampleMemory.build([], { graded: false, neighbourTokens: 40 }), /version 1/);
    assert.throws(() => ExampleMemory.build([], { neighbourTokens: 0 }), /neighbourTokens/);
    assert.throws(
      () => ExampleMemory.fromJSON({ version: 1, paths: ['a'], summaries: [], subtokens: [] }),
      /truncated/,
    );
  });
});
