/**
 * Mining on the per-language fixtures (test/fixtures/corpus): exactly which functions become
 * pairs, their summaries, structured docs and code, including the tricky cases (decorators,
 * overloads, nested functions, arrow functions, class methods, non-doc comments, unicode).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { languageOfPath } from '../../src/parsing/languages';
import { Miner, minePairsFromTree, type Pair } from '../../src/mining/mine';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'corpus');
const miner = new Miner();
const cache = new Map<string, Pair[]>();

async function mineFixture(name: string): Promise<Pair[]> {
  let pairs = cache.get(name);
  if (!pairs) {
    pairs = await miner.mine({ path: name, content: fs.readFileSync(path.join(FIXTURES, name), 'utf8') });
    cache.set(name, pairs);
  }
  return pairs;
}

function byName(pairs: Pair[], name: string): Pair {
  const p = pairs.find((x) => x.name === name);
  assert.ok(p, `no pair for ${name}; found ${pairs.map((x) => x.name).join(', ')}`);
  return p;
}

const EXPECTED: Record<string, [string, string][]> = {
  'sample.py': [
    ['add', 'Add two numbers.'],
    ['fib', 'Compute the n-th Fibonacci number.'],
    ['helper', 'Inner helper with its own docstring.'],
    ['greet', 'Return a greeting for `name` — with unicode: café ✓.'],
    ['größe', 'Gibt die Größe des Werts zurück.'],
  ],
  'sample.js': [
    ['parseHTTPHeader', 'Parses an HTTP header line into a key and a value.'],
    ['doubleAll', 'Doubles every element of the array, see Array.map.'],
    ['increment', 'Increments the counter by the given step.'],
    ['memoize', 'Builds a memoized version of fn.'],
    ['lookup', 'Looks the key up in the cache first.'],
    ['getJSON', 'Fetches the resource at the URL as JSON.'],
    ['trimLines', 'Exported helper that trims every line of the text.'],
  ],
  'sample.ts': [
    ['formatName', 'Formats a user name for display.'],
    ['toText', 'Converts the input to a string.'],
    ['add', 'Adds an item to the store and returns the new size.'],
    ['square', 'Squares a number.'],
  ],
  'sample.tsx': [['Banner', 'Renders a greeting banner for the user.']],
  'Sample.java': [
    ['max', 'Returns the larger of two integers, see Math.max.'],
    ['Sample', 'Creates an empty sample.'],
    ['isBlank', 'Checks whether the text is blank.'],
  ],
  'sample.go': [
    ['Sum', 'Sum returns the sum of the integers in xs.'],
    ['Push', 'Push adds v on top of the stack.'],
  ],
  'sample.rs': [
    ['square', 'Returns the square of `x`.'],
    ['norm', 'Computes the distance to the `Point` origin.'],
  ],
  'Sample.cs': [
    ['Add', 'Adds two integers and returns the result, like Math.Add.'],
    ['Calculator', 'Creates a calculator.'],
  ],
  'sample.cpp': [
    ['mean', 'Computes the mean of the values.'],
    ['clamp', 'Clamps the value between lo and hi.'],
    ['data', 'Returns a pointer to the raw bytes.'],
    ['operator=', 'Copies another buffer into this one.'],
  ],
  'sample.php': [
    ['join_words', 'Joins the words with a separator.'],
    ['find', 'Finds a record by its identifier.'],
  ],
  'sample.rb': [
    ['full_name', 'Returns the full name of the person.'],
    ['deposit', 'Deposits the amount into the account.'],
  ],
};

describe('mining/mine: pairs per language', function () {
  this.timeout(20000);
  after(() => miner.dispose());

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} (${languageOfPath(file)}): exactly the documented functions, with their summaries`, async () => {
      const pairs = await mineFixture(file);
      assert.deepStrictEqual(
        pairs.map((p) => [p.name, p.summary]),
        expected,
      );
      for (const p of pairs) {
        assert.strictEqual(p.lang, languageOfPath(file));
        assert.ok(!/\/\*\*|^\s*\/\/\/|"""/m.test(p.code), `${p.name}: doc comment left in code:\n${p.code}`);
      }
    });
  }

  it('python: docstrings of the function and of nested functions are removed, decorators kept', async () => {
    const fib = byName(await mineFixture('sample.py'), 'fib');
    assert.strictEqual(
      fib.code,
      [
        '@functools.lru_cache(maxsize=None)',
        'def fib(n):',
        '    def helper(k):',
        '        return k',
        '',
        '    return n if n < 2 else fib(n - 1) + fib(n - 2)',
      ].join('\n'),
    );
    assert.deepStrictEqual(fib.params, [{ name: 'n', description: 'index in the sequence' }]);
    assert.strictEqual(fib.returns, 'the Fibonacci number');
  });

  it('python: Google-style Args/Returns become structured params', async () => {
    const add = byName(await mineFixture('sample.py'), 'add');
    assert.strictEqual(add.code, 'def add(a, b):\n    return a + b');
    assert.deepStrictEqual(add.params, [
      { name: 'a', description: 'The first number.' },
      { name: 'b', description: 'The second number.' },
    ]);
    assert.strictEqual(add.returns, 'The sum of a and b.');
    assert.ok(add.doc.startsWith('Add two numbers.\n\nArgs:'), add.doc);
  });

  it('python: a method is dedented to its own indentation', async () => {
    const greet = byName(await mineFixture('sample.py'), 'greet');
    assert.strictEqual(greet.code, 'def greet(self, name):\n    return "Hello, " + name');
    assert.strictEqual(greet.line, 38);
  });

  it('javascript: JSDoc types and nested braces; nested doc comments are removed from the outer code', async () => {
    const pairs = await mineFixture('sample.js');
    const header = byName(pairs, 'parseHTTPHeader');
    assert.deepStrictEqual(header.params, [{ name: 'line', type: 'string', description: 'the raw header line' }]);
    assert.strictEqual(header.returns, 'the parsed header');
    assert.strictEqual(byName(pairs, 'doubleAll').code, 'const doubleAll = (xs) => xs.map((x) => x * 2);');
    assert.strictEqual(
      byName(pairs, 'memoize').code,
      [
        'function memoize(fn) {',
        '  const cache = new Map();',
        '  function lookup(key) {',
        '    if (!cache.has(key)) cache.set(key, fn(key));',
        '    return cache.get(key);',
        '  }',
        '  return lookup;',
        '}',
      ].join('\n'),
    );
  });

  it('javascript: functions assigned to object properties and exports are pairs; callbacks are not', async () => {
    const pairs = await mineFixture('sample.js');
    assert.strictEqual(
      byName(pairs, 'getJSON').code,
      'getJSON: async (url) => {\n  const res = await fetch(url);\n  return res.json();\n}',
    );
    assert.ok(byName(pairs, 'trimLines').code.startsWith('module.exports.trimLines = function (text) {'));
  });

  it('unicode before a function does not shift the code that is cut out', async () => {
    const p = byName(await mineFixture('sample.py'), 'größe');
    assert.strictEqual(p.code, 'def größe(wert):\n    return len(str(wert)) * 2 + 1');
  });

  it('typescript: the doc above overload signatures goes to the implementation; decorators between doc and method are allowed', async () => {
    const pairs = await mineFixture('sample.ts');
    assert.strictEqual(
      byName(pairs, 'toText').code,
      'export function toText(x: number | boolean): string {\n  return String(x);\n}',
    );
    assert.strictEqual(
      byName(pairs, 'add').code,
      'add(item: T): number {\n  this.items.push(item);\n  return this.items.length;\n}',
    );
  });

  it('java, c#, php, ruby: structured params and returns from each convention', async () => {
    const max = byName(await mineFixture('Sample.java'), 'max');
    assert.deepStrictEqual(
      max.params.map((p) => p.name),
      ['a', 'b'],
    );
    assert.strictEqual(max.returns, 'the maximum');
    const add = byName(await mineFixture('Sample.cs'), 'Add');
    assert.deepStrictEqual(add.params, [
      { name: 'a', description: 'The first operand.' },
      { name: 'b', description: 'The second operand.' },
    ]);
    assert.strictEqual(add.returns, 'The sum of a and b.');
    assert.strictEqual(add.code, 'public int Add(int a, int b)\n{\n    return a + b;\n}');
    const join = byName(await mineFixture('sample.php'), 'join_words');
    assert.deepStrictEqual(join.params, [
      { name: 'words', type: 'string[]', description: 'the words to join' },
      { name: 'sep', type: 'string', description: 'the separator' },
    ]);
    const full = byName(await mineFixture('sample.rb'), 'full_name');
    assert.deepStrictEqual(
      full.params.map((p) => [p.name, p.type]),
      [
        ['first', 'String'],
        ['last', 'String'],
      ],
    );
  });

  it('go: a multi-line // block is one doc; a comment separated by a blank line is not a doc', async () => {
    const pairs = await mineFixture('sample.go');
    assert.strictEqual(
      byName(pairs, 'Sum').doc,
      'Sum returns the sum of the integers in xs.\nIt returns zero for an empty slice.',
    );
    assert.ok(!pairs.some((p) => p.name === 'undocumented'));
  });

  it('rust: /// across an attribute; # Arguments parsed; the attribute is not part of the code', async () => {
    const sq = byName(await mineFixture('sample.rs'), 'square');
    assert.deepStrictEqual(sq.params, [{ name: 'x', description: 'the number to square' }]);
    assert.strictEqual(sq.code, 'pub fn square(x: i64) -> i64 {\n    x * x\n}');
  });

  it('cpp: Doxygen @brief is the summary; a template wrapper is kept with its function', async () => {
    const pairs = await mineFixture('sample.cpp');
    assert.strictEqual(byName(pairs, 'clamp').code.split('\n')[0], 'template <typename T>');
    assert.strictEqual(byName(pairs, 'mean').returns, 'the arithmetic mean');
    assert.strictEqual(
      byName(pairs, 'operator=').code,
      'Buffer& operator=(const Buffer& other) {\n    bytes_ = other.bytes_;\n    return *this;\n}',
    );
  });

  it('CRLF files give the same pairs as LF files', async () => {
    const content = fs.readFileSync(path.join(FIXTURES, 'sample.py'), 'utf8');
    const crlf = await miner.mine({ path: 'x.py', content: content.replace(/\n/g, '\r\n') });
    const lf = await mineFixture('sample.py');
    assert.deepStrictEqual(
      crlf.map((p) => [p.code, p.summary]),
      lf.map((p) => [p.code, p.summary]),
    );
  });

  it('minePairsFromTree on raw CRLF text (as the editor holds it) finds the same documented functions', async () => {
    const { createParser } = await import('../../src/parsing/parser');
    for (const file of Object.keys(EXPECTED)) {
      const lang = languageOfPath(file)!;
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8').replace(/\n/g, '\r\n');
      const parser = await createParser(lang);
      const tree = parser.parse(text)!;
      try {
        const names = minePairsFromTree(text, tree.rootNode, lang, file).map((p) => [p.name, p.line]);
        assert.deepStrictEqual(
          names,
          (await mineFixture(file)).map((p) => [p.name, p.line]),
          file,
        );
      } finally {
        tree.delete();
        parser.delete();
      }
    }
  });

  it('unsupported files give no pairs', async () => {
    assert.deepStrictEqual(await miner.mine({ path: 'notes.txt', content: '/** Not code. */' }), []);
  });
});
